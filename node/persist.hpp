// Small durable files under data_dir: whole-file reads and crash-safe replacement (write a
// temporary file beside the target, fsync it, rename it over the target, fsync the folder).
// Thread-safe as long as two callers do not write the same path at once.
#pragma once

#include <optional>
#include <string>

namespace shoal::node {

// The file's bytes, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);
// Empty on success, else what failed (with errno text).
std::string write_file_atomic(const std::string& path, const std::string& data);
// mkdir -p; empty on success, else what failed.
std::string make_dirs(const std::string& path);

}  // namespace shoal::node
