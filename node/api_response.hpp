// The API's JSON answers: a body, or {"error": "..."} with its status.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "node/http.hpp"
#include "node/peer/json_text.hpp"

namespace shoal::node {

inline HttpResponse json_response(int status, const nlohmann::json& body) {
  return {status, json_text(body) + "\n"};
}

inline HttpResponse error_response(int status, const std::string& message) {
  return json_response(status, nlohmann::json{{"error", message}});
}

}  // namespace shoal::node
