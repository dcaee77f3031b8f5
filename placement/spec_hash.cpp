#include "placement/spec_hash.hpp"

#include <sodium.h>

#include <algorithm>

namespace shoal::placement {

namespace {

class Encoder {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { le(v, 2); }
  void u32(std::uint32_t v) { le(v, 4); }
  void i32(std::int32_t v) { le(static_cast<std::uint32_t>(v), 4); }
  void i64(std::int64_t v) { le(static_cast<std::uint64_t>(v), 8); }
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void strs(const std::vector<std::string>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (const auto& s : v) str(s);
  }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  void le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t> out_;
};

}  // namespace

std::vector<std::uint8_t> spec_canonical_bytes(const config::ServiceSpec& spec) {
  Encoder e;
  e.str("shoal.spec.v1");
  e.str(spec.image);
  e.strs(spec.command);

  e.u32(static_cast<std::uint32_t>(spec.env.size()));
  for (const auto& [k, v] : spec.env) {  // std::map: sorted by key
    e.str(k);
    e.str(v);
  }

  std::vector<config::Port> ports = spec.ports;
  std::sort(ports.begin(), ports.end(),
            [](const config::Port& a, const config::Port& b) { return a.name < b.name; });
  e.u32(static_cast<std::uint32_t>(ports.size()));
  for (const auto& p : ports) {
    e.str(p.name);
    e.u16(p.container);
    e.u8(p.host ? 1 : 0);
    e.u16(p.host.value_or(0));
  }

  e.i64(spec.resources.cpu_milli);
  e.i64(spec.resources.memory_mib);

  const auto& h = spec.health;
  e.u8(static_cast<std::uint8_t>(h.kind));
  switch (h.kind) {
    case config::HealthCheck::Kind::none:
      break;
    case config::HealthCheck::Kind::http:
      e.str(h.http_path);
      e.str(h.port);
      break;
    case config::HealthCheck::Kind::tcp:
      e.str(h.port);
      break;
    case config::HealthCheck::Kind::exec:
      e.strs(h.exec);
      break;
  }
  if (h.kind != config::HealthCheck::Kind::none) {
    e.i64(h.interval);
    e.i64(h.timeout);
    e.i32(h.retries);
  }
  // Appended only when there are volumes: every spec without them keeps its v1 bytes (so its
  // running instances are not replaced by an upgrade).
  if (!spec.volumes.empty()) {
    std::vector<config::Volume> volumes = spec.volumes;
    std::sort(volumes.begin(), volumes.end(),
              [](const config::Volume& a, const config::Volume& b) { return a.target < b.target; });
    e.str("volumes");
    e.u32(static_cast<std::uint32_t>(volumes.size()));
    for (const auto& v : volumes) {
      e.str(v.source);
      e.str(v.target);
      e.u8(v.read_only() ? 1 : 0);
    }
  }
  return e.take();
}

std::string spec_hash(const config::ServiceSpec& spec) {
  const std::vector<std::uint8_t> bytes = spec_canonical_bytes(spec);
  // 16 bytes: crypto_generichash_BYTES_MIN. BLAKE2b needs no sodium_init(): its portable
  // implementation is the static default, so this stays free of any I/O.
  unsigned char out[crypto_generichash_BYTES_MIN];
  crypto_generichash(out, sizeof out, bytes.data(), bytes.size(), nullptr, 0);
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | out[i];
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = kHex[v & 0xf];
    v >>= 4;
  }
  return s;
}

}  // namespace shoal::placement
