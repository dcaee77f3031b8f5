// The logs of an ended container outlive it: before the docker driver removes a container
// that ended, it copies the container's last lines (the engine's multiplexed log stream with
// timestamps, as received) to <logs_dir>/<service>-<index>.<short id>.docker, mode 0600, so
// `shoal logs` still reads an exited or replaced instance (node/local_logs.hpp parses them as
// hostile input, like the live stream). Copies whose last write is older than the retention
// window are removed at each save. Bounded: the last kSavedLogLines lines, at most
// kMaxSavedLogBytes (a larger answer is not kept).
#pragma once

#include <string>

#include "node/runtime/docker_api.hpp"
#include "node/runtime/driver.hpp"

namespace shoal::runtime {

constexpr int kSavedLogLines = 5000;
constexpr std::size_t kMaxSavedLogBytes = 16u << 20;
constexpr Millis kDefaultLogRetention = 24 * 3600 * 1000;

// Copies container `id`'s logs; empty on success, else what went wrong (the caller notes it
// and removes the container anyway).
std::string save_container_logs(const DockerApi& api, const std::string& logs_dir,
                                const Labels& labels, const std::string& id);
// Removes the saved copies under logs_dir last written before now_ms - retention; how many.
int prune_saved_logs(const std::string& logs_dir, Millis now_ms, Millis retention);

}  // namespace shoal::runtime
