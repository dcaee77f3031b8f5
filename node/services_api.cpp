#include "node/services_api.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "config/parse.hpp"
#include "node/api_response.hpp"
#include "node/persist.hpp"

namespace shoal::node {

using Json = nlohmann::json;

std::optional<RenameRefusal> rename_deleted(ServicesDir& dir, const std::string& name) {
  const std::string path = dir.file_of(name);
  if (path.empty()) return RenameRefusal{404, "no file defines service `" + name + "`"};
  std::size_t defined = 0;
  for (const auto& sv : dir.services()) defined += dir.file_of(sv.name) == path;
  if (defined > 1) return RenameRefusal{409, path + " defines other services too: edit that file"};
  if (std::rename(path.c_str(), (path + ".deleted").c_str()) != 0)
    return RenameRefusal{500, "cannot rename " + path};
  dir.forget(path);
  spdlog::info("delete: {} renamed to {}.deleted", path, path);
  return std::nullopt;
}

std::variant<HttpResponse, ServicesApi::Request> ServicesApi::parse(const HttpRequest& r) const {
  Json body = Json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("file") || !body["file"].is_string() ||
      !body.contains("content") || !body["content"].is_string()) {
    return error_response(400, "expected {\"file\": \"NAME.toml\", \"content\": \"...\"}");
  }
  Request a{body["file"], body["content"], {}};
  if (!safe_service_file_name(a.file)) {
    return error_response(400, "file must be a plain NAME.toml, got `" + a.file + "`");
  }
  auto parsed = config::parse_service_file(a.content, a.file, max_replicas_);
  if (!parsed.ok()) {
    Json errs = Json::array();
    for (const auto& d : parsed.errors) errs.push_back(d.to_string());
    return json_response(400, Json{{"error", "invalid service file"}, {"errors", errs}});
  }
  for (auto& sv : *parsed.value) {
    std::string other = dir_.file_of(sv.name);
    if (!other.empty() && other != dir_.path_of(a.file)) {
      return error_response(409, "service `" + sv.name + "` is already defined in " + other);
    }
    if (sv.placement.home) sv.home_peer = self_;  // as the services folder publishes it
  }
  a.services = std::move(*parsed.value);
  return a;
}

HttpResponse ServicesApi::plan(const HttpRequest& r) const {
  auto parsed = parse(r);
  if (auto* refused = std::get_if<HttpResponse>(&parsed)) return *refused;
  return json_response(200, apply_plan_json(hooks_.plan(std::get<Request>(parsed).services)));
}

HttpResponse ServicesApi::apply(const HttpRequest& r) {
  auto parsed = parse(r);
  if (auto* refused = std::get_if<HttpResponse>(&parsed)) return *refused;
  const Request& a = std::get<Request>(parsed);
  if (std::string e = make_dirs(dir_.dir()); !e.empty()) return error_response(500, e);
  const std::string path = dir_.path_of(a.file);
  if (std::string e = write_file_atomic(path, a.content, FileMode::keep); !e.empty()) {
    return error_response(500, e);
  }
  spdlog::info("apply: wrote {}", path);
  hooks_.rescan();
  Json names = Json::array();
  for (const auto& sv : a.services) names.push_back(sv.name);
  Json reply{{"peer", self_}, {"file", path}, {"services", names}};
  // Written here, refused by the others while this clock is ahead.
  if (std::string warn = hooks_.clock_warning(); !warn.empty()) reply["warning"] = warn;
  return json_response(200, reply);
}

HttpResponse ServicesApi::remove(const std::string& name) {
  if (dir_.file_of(name).empty()) {
    if (!hooks_.erase_spec(name)) return error_response(404, "no service `" + name + "`");
    spdlog::info("delete: spec/{} erased cluster-wide", name);
    return json_response(200, Json{{"peer", self_}, {"deleted", name}, {"file", nullptr}});
  }
  const std::string path = dir_.file_of(name);
  if (auto refused = rename_deleted(dir_, name)) {
    return error_response(refused->status, refused->message);
  }
  hooks_.rescan();  // publishes the tombstone
  return json_response(200,
                       Json{{"peer", self_}, {"deleted", name}, {"file", path + ".deleted"}});
}

}  // namespace shoal::node
