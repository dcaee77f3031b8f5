#include "node/folder_publisher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "gossip/bytes.hpp"
#include "node/peer/spec_history.hpp"
#include "node/peer/spec_publisher.hpp"
#include "node/peer/state_codec.hpp"
#include "node/persist.hpp"
#include "node/services_api.hpp"

namespace shoal::node {

FolderPublisher::FolderPublisher(ServicesDir& dir, std::string data_dir)
    : dir_(dir), file_(std::move(data_dir) + "/published") {
  auto t = read_file(file_);
  if (!t) return;
  std::size_t pos = 0;
  while (pos < t->size()) {
    std::size_t nl = t->find('\n', pos);
    if (nl == std::string::npos) nl = t->size();
    const std::string line = t->substr(pos, nl - pos);
    pos = nl + 1;
    auto sp = line.find(' ');
    if (sp != std::string::npos) published_[line.substr(0, sp)] = line.substr(sp + 1);
  }
}

void FolderPublisher::save() const {
  std::string t;
  for (const auto& [n, h] : published_) t += n + " " + h + "\n";
  if (std::string e = write_file_atomic(file_, t); !e.empty()) {
    spdlog::warn("cannot persist {}: {}", file_, e);
  }
}

void FolderPublisher::scan(bool timed) {
  if (dir_.scan(timed)) {
    std::string names;
    for (const auto& sv : dir_.services()) names += (names.empty() ? "" : ", ") + sv.name;
    spdlog::info("services_dir {}: {} service(s){}{}", dir_.dir(), dir_.services().size(),
                 names.empty() ? "" : ": ", names);
  }
  auto errs = dir_.errors();
  if (errs == reported_errors_) return;
  for (const auto& e : errs)
    if (std::find(reported_errors_.begin(), reported_errors_.end(), e) == reported_errors_.end())
      spdlog::error("{}", e);
  reported_errors_ = std::move(errs);
}

bool FolderPublisher::publish(gossip::Engine& gossip, gossip::Clock now, const Outcome& outcome) {
  std::vector<LocalSpec> local;
  for (const auto& sv : dir_.services()) {
    std::string enc = encode_spec(sv);
    std::string h = content_hash(enc);
    local.push_back({sv.name, std::move(enc), std::move(h)});
  }
  const auto gone = [this](const std::string& n) { return dir_.gone(n); };
  const PublishPlan plan = plan_publish(local, published_, gossip.state(), gone);
  bool renamed = false;
  for (const auto& name : plan.rename) {
    if (auto refused = rename_deleted(dir_, name)) {
      if (refused->status == 409)
        spdlog::warn("service {} was deleted but {}", name, refused->message);
      continue;
    }
    published_.erase(name);
    renamed = true;
  }
  for (const auto& sv : plan.put) {
    const gossip::Entry* cur = gossip.state().find("spec/" + sv.name);
    const std::string value =
        spec_value(sv.encoded, current_value(cur, outcome ? outcome(sv.name) : std::string()),
                   now.wall / 1000, gossip.name());
    gossip.put(now, "spec/" + sv.name, gossip::string_to_bytes(value));
    published_[sv.name] = sv.hash;
    spdlog::info("published spec/{} ({})", sv.name, sv.hash);
  }
  for (const auto& name : plan.erase) {
    gossip.erase(now, "spec/" + name);
    spdlog::info("service {} left {}: spec/{} erased", name, dir_.dir(), name);
    published_.erase(name);
  }
  if (renamed) dir_.scan();
  if (!renamed && plan.put.empty() && plan.erase.empty()) return false;
  save();
  return true;
}

nlohmann::json FolderPublisher::conflicts(const gossip::Store& store,
                                          const std::string& self) const {
  auto out = nlohmann::json::array();
  for (const auto& sv : dir_.services()) {
    const gossip::Entry* e = store.find("spec/" + sv.name);
    if (!e || e->deleted || e->version.origin == self) continue;
    // The spec alone is compared: a value's record (history, last good version) is not the
    // file's; a value `shoal revert` wrote is no other file's edit.
    const std::string value = gossip::bytes_to_string(e->value);
    if (read_record(value).revert_of) continue;
    if (auto in_force = decode_spec(value); in_force && encode_spec(*in_force) == encode_spec(sv))
      continue;
    out.push_back({{"service", sv.name},
                   {"file", dir_.file_of(sv.name)},
                   {"origins", nlohmann::json::array({self, e->version.origin})},
                   {"in_force", e->version.origin}});
  }
  return out;
}

nlohmann::json FolderPublisher::names() const {
  auto names = nlohmann::json::array();
  for (const auto& sv : dir_.services()) names.push_back(sv.name);
  return names;
}

}  // namespace shoal::node
