#include "node/key_rotation.hpp"

#include <nlohmann/json.hpp>

#include "node/peer/json_int.hpp"
#include "node/services_dir.hpp"

namespace shoal::node {

using Json = nlohmann::json;

std::string encode_ring(const gossip::Keys& keys) {
  Json j{{"v", 1}, {"keys", Json::array()}};
  for (const auto& k : keys) j["keys"].push_back(gossip::key_to_base64(k));
  return j.dump();
}

std::optional<gossip::Keys> decode_ring(std::string_view value) {
  Json j = Json::parse(value, nullptr, false);
  if (!j.is_object() || !json_version_is(j, 1) || !j.contains("keys") || !j["keys"].is_array()) {
    return std::nullopt;
  }
  const Json& arr = j["keys"];
  if (arr.empty() || arr.size() > kMaxKeys) return std::nullopt;
  std::string text;
  for (const auto& k : arr) {
    if (!k.is_string()) return std::nullopt;
    text += k.get<std::string>() + "\n";
  }
  auto keys = gossip::parse_keyring(text);  // each valid, no duplicates
  if (!keys) return std::nullopt;
  return std::move(keys.value());
}

std::string ring_digest(const gossip::Keys& keys) {
  return content_hash("shoal-keyring:" + gossip::serialize_keyring(keys));
}

std::string key_fingerprint(const gossip::SealKey& key) {
  return content_hash("shoal-key:" + gossip::key_to_base64(key));
}

KeyOp plan_key_op(std::string_view op, std::string_view key_base64, const gossip::Keys& current,
                  bool converged) {
  KeyOp r;
  auto key = gossip::key_from_base64(key_base64);
  if (op != "install" && op != "use" && op != "remove") {
    r.error = "unknown operation `" + std::string(op) + "` (install, use, remove)";
    r.bad_input = true;
    return r;
  }
  if (!key) {
    r.error = "KEY: " + key.error();
    r.bad_input = true;
    return r;
  }
  if (op != "install" && !converged) {
    r.error = "not every live peer uses the current keyring yet (see `shoal keys list`): wait, "
              "or bring the missing peers back, before `" + std::string(op) + "`";
    return r;
  }
  auto next = op == "install" ? gossip::keyring_install(current, *key)
              : op == "use"   ? gossip::keyring_use(current, *key)
                              : gossip::keyring_remove(current, *key);
  if (!next) {
    r.error = next.error();
    return r;
  }
  if (next->size() > kMaxKeys) {
    r.error = "a keyring holds at most " + std::to_string(kMaxKeys) + " keys: remove one first";
    return r;
  }
  r.next = std::move(next.value());
  return r;
}

}  // namespace shoal::node
