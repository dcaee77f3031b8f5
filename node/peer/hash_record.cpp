#include "node/peer/hash_record.hpp"

#include <nlohmann/json.hpp>

#include "node/peer/json_int.hpp"
#include "node/peer/json_text.hpp"

namespace shoal::node {

using J = nlohmann::json;

std::string encode_hash_record(const std::string& field, const std::string& hash) {
  return json_text(J{{"v", 1}, {field, hash}});
}

std::optional<std::string> decode_hash_record(std::string_view bytes, const std::string& field) {
  try {
    const J j = J::parse(bytes);
    if (!json_version_is(j, 1)) return std::nullopt;
    auto f = j.find(field);
    if (f == j.end() || !f->is_string() || f->get_ref<const std::string&>().size() > 64)
      return std::nullopt;
    return f->get<std::string>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace shoal::node
