#include "node/folder_publisher.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "gossip/bytes.hpp"
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

bool FolderPublisher::publish(gossip::Engine& gossip, gossip::Clock now) {
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
    gossip.put(now, "spec/" + sv.name, gossip::string_to_bytes(sv.encoded));
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

}  // namespace shoal::node
