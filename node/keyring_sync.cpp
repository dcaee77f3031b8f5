#include "node/keyring_sync.hpp"

#include <spdlog/spdlog.h>

#include "node/key_rotation.hpp"

namespace shoal::node {

using Json = nlohmann::json;

namespace {

std::string_view text_of(const gossip::Bytes* b) {
  return b == nullptr ? std::string_view()
                      : std::string_view(reinterpret_cast<const char*>(b->data()), b->size());
}

gossip::Bytes bytes_of(const std::string& s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return gossip::Bytes(p, p + s.size());
}

}  // namespace

void KeyringSync::acknowledge(gossip::Clock now) {
  if (!sealer_.enabled()) return;
  const std::string key = std::string(kKeyAckPrefix) + engine_.name();
  const std::string digest = ring_digest(sealer_.keys());
  if (text_of(engine_.state().get(key)) == digest) return;
  engine_.put(now, key, bytes_of(digest));
}

void KeyringSync::on_state_changed(gossip::Clock now, std::string_view key) {
  if (key != kKeyringKey || !sealer_.enabled()) return;
  const gossip::Bytes* v = engine_.state().get(key);
  if (v == nullptr) return;  // a delete changes nothing: the keys in use stay
  auto keys = decode_ring(text_of(v));
  if (!keys) {
    spdlog::error("keyring: the cluster keyring in replicated state is malformed: ignored");
    return;
  }
  if (*keys != sealer_.keys()) adopt(now, *keys, "the cluster keyring changed");
}

void KeyringSync::adopt(gossip::Clock now, const gossip::Keys& keys, const char* why) {
  if (std::string e = sealer_.replace(keys); !e.empty()) {
    spdlog::error("keyring: {}: cannot rewrite the keyring file ({}): the keys in use stay", why,
                  e);
    return;
  }
  spdlog::info("keyring: {}: now {} key(s), primary {}", why, keys.size(),
               key_fingerprint(keys.front()));
  acknowledge(now);
}

bool KeyringSync::converged() const {
  const std::string mine = ring_digest(sealer_.keys());
  for (const auto& [name, m] : engine_.members()) {
    if (!gossip::is_live(m.state)) continue;
    if (text_of(engine_.state().get(std::string(kKeyAckPrefix) + name)) != mine) return false;
  }
  return true;
}

KeyringSync::Reply KeyringSync::view() const {
  if (!sealer_.enabled()) return {409, Json{{"error", "this peer runs security.insecure"}}};
  Json keys = Json::array();
  for (const auto& k : sealer_.keys()) keys.push_back(key_fingerprint(k));
  Json peers = Json::array();
  for (const auto& [name, m] : engine_.members()) {
    const auto ack = text_of(engine_.state().get(std::string(kKeyAckPrefix) + name));
    peers.push_back(Json{{"name", name},
                         {"state", gossip::to_string(m.state)},
                         {"digest", ack.empty() ? Json() : Json(std::string(ack))}});
  }
  return {200, Json{{"keys", keys},
                    {"digest", ring_digest(sealer_.keys())},
                    {"converged", converged()},
                    {"peers", peers}}};
}

KeyringSync::Reply KeyringSync::apply(gossip::Clock now, const std::string& body) {
  if (!sealer_.enabled()) return {409, Json{{"error", "this peer runs security.insecure"}}};
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("op") || !j["op"].is_string() || !j.contains("key") ||
      !j["key"].is_string()) {
    return {400, Json{{"error", R"(expected {"op": "install|use|remove", "key": "BASE64"})"}}};
  }
  const KeyOp op = plan_key_op(j["op"].get<std::string>(), j["key"].get<std::string>(),
                               sealer_.keys(), converged());
  if (!op.error.empty()) return {op.bad_input ? 400 : 409, Json{{"error", op.error}}};
  // Adopted here first: this peer opens with the new ring before anyone seals with it.
  if (op.next != sealer_.keys()) {
    adopt(now, op.next, ("keys " + j["op"].get<std::string>()).c_str());
    if (sealer_.keys() != op.next) {
      return {500, Json{{"error", "cannot rewrite this peer's keyring file (see its log)"}}};
    }
  }
  engine_.put(now, std::string(kKeyringKey), bytes_of(encode_ring(op.next)));
  return {200, Json{{"op", j["op"]}, {"digest", ring_digest(op.next)}, {"keys", op.next.size()}}};
}

}  // namespace shoal::node
