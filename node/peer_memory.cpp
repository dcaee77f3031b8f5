#include "node/peer_memory.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "node/known_peers.hpp"
#include "node/persist.hpp"
#include "node/state_file.hpp"

namespace shoal::node {

PeerMemory::PeerMemory(std::string data_dir, std::uint64_t incarnation)
    : data_dir_(std::move(data_dir)),
      saved_incarnation_(incarnation),
      writer_(data_dir_ + "/state", [](const std::string& e) {
        spdlog::warn("cannot persist the replicated state: {}", e);
      }) {}

void PeerMemory::restore_state(gossip::Engine& gossip, gossip::Clock now) {
  auto file = read_file(data_dir_ + "/state");
  if (!file) return;
  const StateFile snap = decode_state_file(*file);
  const auto* b = reinterpret_cast<const std::byte*>(snap.snapshot.data());
  std::string e = snap.error.empty()
                      ? gossip.restore_state(now, gossip::ByteView(b, snap.snapshot.size()))
                      : snap.error;
  if (!e.empty()) return keep_damaged_state(e, now);
  spdlog::info("restored {} state entries from {}/state", gossip.state().entries().size(),
               data_dir_);
  if (auto was = gossip.state().restore_capped_from(); was != 0)
    spdlog::warn("{}/state: its clock ({} ms) was ahead of this host's by more than "
                 "max_clock_skew (a clock stepped forward?): capped",
                 data_dir_, gossip::Hlc::physical_us(was) / 1000);
}

// The peer then starts empty and takes the cluster's state.
void PeerMemory::keep_damaged_state(const std::string& why, gossip::Clock now) {
  const std::string path = data_dir_ + "/state";
  const std::string aside = path + ".damaged-" + std::to_string(now.wall / gossip::kSeconds);
  const bool kept = std::rename(path.c_str(), aside.c_str()) == 0;
  spdlog::error("{} is damaged ({}): {}; starting with no state and taking the cluster's", path,
                why, kept ? "kept as " + aside : std::string("could not be moved aside"));
}

void PeerMemory::add_remembered(std::vector<gossip::Address>& seeds, const gossip::Address& self) {
  auto known = read_file(data_dir_ + "/peers");
  if (!known) return;
  known_peers_ = *known;
  std::size_t added = 0;
  for (auto& a : parse_known_peers(*known)) {
    if (a == self || std::find(seeds.begin(), seeds.end(), a) != seeds.end()) continue;
    seeds.push_back(std::move(a));
    ++added;
  }
  if (added > 0) spdlog::info("rejoining {} peer(s) remembered in {}/peers", added, data_dir_);
}

void PeerMemory::save_state(const gossip::Store& store) {
  // The snapshot is taken on the caller's thread (the store is its); the write is the writer's.
  gossip::Bytes snap = store.snapshot();
  writer_.submit(
      encode_state_file(std::string_view(reinterpret_cast<const char*>(snap.data()), snap.size())));
}

void PeerMemory::save_incarnation(std::uint64_t incarnation) {
  if (incarnation == saved_incarnation_) return;
  std::string e = write_file_atomic(data_dir_ + "/incarnation", std::to_string(incarnation) + "\n");
  if (!e.empty()) {
    spdlog::warn("cannot persist the incarnation: {}", e);
    return;
  }
  saved_incarnation_ = incarnation;
}

void PeerMemory::remember_peers(const std::string& self, const gossip::Members& members) {
  const auto pick = pick_known_peers(self, members);
  if (pick.empty()) return;
  std::string text = format_known_peers(pick);
  if (text == known_peers_) return;
  if (std::string e = write_file_atomic(data_dir_ + "/peers", text); !e.empty()) {
    spdlog::warn("cannot persist {}/peers: {}", data_dir_, e);
    return;
  }
  known_peers_ = std::move(text);
}

void PeerMemory::stop() { writer_.stop(); }

}  // namespace shoal::node
