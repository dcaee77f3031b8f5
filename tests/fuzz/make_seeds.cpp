// Writes the seed corpora of tests/fuzz/corpus/ from the real encoders (a few valid inputs per
// target, so the fuzzers start inside the formats). Not part of `fuzz`; run by hand after a
// format change: cmake --build build-fuzz --target fuzz_make_seeds &&
//   build-fuzz/bin/fuzz_make_seeds tests/fuzz/corpus
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "config/parse.hpp"
#include "gossip/engine.hpp"
#include "gossip/seal.hpp"
#include "gossip/wire.hpp"
#include "node/logs_wire.hpp"
#include "node/peer/state_codec.hpp"
#include "node/state_file.hpp"
#include "node/stream_frame.hpp"

using namespace shoal;
namespace fs = std::filesystem;

namespace {

fs::path root;

void write(const std::string& target, const std::string& name, std::string_view data) {
  fs::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
}
void write(const std::string& target, const std::string& name, const gossip::Bytes& b) {
  write(target, name, std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

std::vector<gossip::Bytes> stream_messages;  // gossip's stream-channel plaintexts, by packets()

// Two engines exchanging packets for a while: every datagram either sends is a seed.
void packets() {
  const auto cfg = *gossip::Config::for_profile("lan");
  gossip::Engine a({"a", {"10.0.0.1", 7950}, 0, {}}, cfg, 1), b({"b", {"10.0.0.2", 7950}, 0, {}}, cfg, 2);
  gossip::Outbox out;
  gossip::Address seed[] = {{"10.0.0.1", 7950}};
  a.join({0, 0}, {}, out);
  b.join({0, 0}, seed, out);
  a.put({0, 0}, "spec/web", gossip::string_to_bytes("{\"name\":\"web\"}"));
  int n = 0;
  for (gossip::Micros t = 0; t < 20 * gossip::kSeconds && n < 40; t += 100 * gossip::kMillis) {
    for (auto* e : {&a, &b}) e->handle_tick({t, t}, out);
    auto sends = std::move(out.sends);
    out.clear();
    for (auto& d : sends) {
      gossip::Engine& to = d.to.host == "10.0.0.1" ? a : b;
      const std::string from = &to == &a ? "10.0.0.2" : "10.0.0.1";
      std::string bytes(reinterpret_cast<const char*>(d.bytes.data()), d.bytes.size());
      // The target reads the channel from the first byte.
      const char ch = d.channel == gossip::Channel::stream ? '\x01' : '\x00';
      write("packet", "p" + std::to_string(n++), std::string(1, ch) + bytes);
      if (d.channel == gossip::Channel::stream) stream_messages.push_back(d.bytes);
      to.handle_packet({t, t}, {from, 7950}, d.channel, d.bytes, out);
    }
  }
  // The broadcast tree's messages (two engines never form a tree: below tree_min_members).
  namespace w = gossip::wire;
  const gossip::Bytes batch = gossip::encode_entries(
      std::vector<gossip::Entry>{{"status/a", {1, "a"}, false, gossip::string_to_bytes("{}")}});
  const w::Tree trees[] = {{w::TreeKind::push, "a", {}, batch},
                           {w::TreeKind::ihave, "a", {{"status/a", 7}, {"usage/a", 3}}, {}},
                           {w::TreeKind::graft, "a", {{"status/b", 9}}, {}},
                           {w::TreeKind::prune, "a", {}, {}}};
  for (const auto& tree : trees) {
    const gossip::Bytes b = w::encode(tree);
    write("packet", "tree" + std::to_string(static_cast<int>(tree.kind)),
          std::string(1, '\0') + std::string(reinterpret_cast<const char*>(b.data()), b.size()));
  }
}

void stores() {
  gossip::Store s("p2");
  s.put(1'000'000, "spec/web", gossip::string_to_bytes("{\"name\":\"web\",\"replicas\":3}"));
  s.put(1'000'001, "status/p2", gossip::string_to_bytes("{}"));
  s.erase(1'000'002, "spec/web");
  s.put(1'000'003, "spec/api", gossip::string_to_bytes("{}"));
  const auto with = [](char mode, const gossip::Bytes& b) {
    return std::string(1, mode) + std::string(reinterpret_cast<const char*>(b.data()), b.size());
  };
  write("push_pull", "request", with('\x00', s.encode_request()));
  gossip::PushPull resp;
  resp.kind = gossip::PushPull::Kind::response;
  resp.digest = s.digest();
  resp.entries = s.missing_for({});
  write("push_pull", "response", with('\x00', gossip::encode_push_pull(resp)));
  write("push_pull", "deltas", with('\x01', s.take_deltas(1200, 3)));
  const gossip::Bytes snap = s.snapshot();
  const std::string_view sv(reinterpret_cast<const char*>(snap.data()), snap.size());
  write("state_file", "state", std::string("\x00", 1) + node::encode_state_file(sv));
  write("state_file", "bare", std::string("\x01", 1) + std::string(sv));
}

void sealed() {
  gossip::SealKey key{};
  gossip::SealNonce nonce{};
  const auto plain = gossip::string_to_bytes("ping");
  write("sealed", "udp", gossip::seal_packet(key, "shoal", nonce, plain));
  write("sealed", "stream", gossip::seal_packet(key, "shoal", nonce, plain, {gossip::Channel::stream, 5}));
}

void values_and_toml() {
  for (const auto& f : fs::directory_iterator(root / ".." / ".." / ".." / "examples" / "services")) {
    std::ifstream in(f.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    write("toml", f.path().filename().string(), std::string("\x00", 1) + text);
    auto parsed = config::parse_service_file(text, f.path().string());
    if (!parsed.ok()) continue;
    for (const auto& sv : *parsed.value) write("values", "spec-" + sv.name, std::string("\x00", 1) + node::encode_spec(sv));
  }
  std::ifstream in(root / ".." / ".." / ".." / "examples" / "peer.toml");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write("toml", "peer.toml", std::string("\x01", 1) + text);
  placement::PeerStatus st;
  placement::InstanceStatus is;
  is.id = {"web", 1};
  is.state = placement::InstanceState::running;
  is.spec_hash = "00112233445566778899aabbccddeeff";
  st.instances.push_back(is);
  write("values", "status", std::string("\x01", 1) + node::encode_status(st));
}

// What arrives on a stream connection: length-prefixed frames after the target's first byte
// (bit 0: trusted from the start; the rest: the size of every read, 0 as much as asked).
void streams() {
  const auto framed = [](char first, const std::vector<gossip::Bytes>& frames) {
    std::string out(1, first);
    for (const auto& f : frames) {
      const auto h = node::frame_header(static_cast<std::uint32_t>(f.size()));
      out.append(reinterpret_cast<const char*>(h.data()), h.size());
      out.append(reinterpret_cast<const char*>(f.data()), f.size());
    }
    return out;
  };
  node::LogsRequest req;
  req.id = 7;
  req.service = "web";
  req.index = 1;
  req.tail = 50;
  req.since_ms = 1000;
  req.cursor = {{"/var/lib/shoal/logs/web-1", "123"}};
  node::LogsResponse resp;
  resp.id = 7;
  resp.lines = {{1000, "", 1, "", "stdout", "hello"}, {1001, "", 1, "", "stderr", "world"}};
  resp.cursor = req.cursor;
  resp.dropped = 2;
  const gossip::Bytes lq = node::encode_logs_request(req), lr = node::encode_logs_response(resp);
  write("stream", "logs-request", framed('\x00', {lq}));
  write("stream", "logs-response", framed('\x01', {lr}));
  write("stream", "logs-in-reads-of-3", framed('\x06', {lq, lr}));
  int n = 0;
  for (const auto& m : stream_messages)
    if (n < 4) write("stream", "gossip" + std::to_string(n++), framed('\x00', {m, lq}));
  write("stream", "length-too-long", std::string("\x00\xff\xff\xff\xff", 5));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds tests/fuzz/corpus\n";
    return 2;
  }
  root = argv[1];
  packets();
  stores();
  sealed();
  values_and_toml();
  streams();
  return 0;
}
