// Small durable files under data_dir: whole-file reads and crash-safe replacement (write a
// temporary file beside the target, fsync it, rename it over the target, fsync the folder), and
// the modes that keep them private (data_dir holds every service's env and the cluster key).
// Thread-safe as long as two callers do not write the same path at once.
#pragma once

#include <optional>
#include <string>

namespace shoal::node {

// What write_file_atomic does with the mode of a file it replaces. A new file is always 0600.
enum class FileMode {
  private_file,  // keep the old mode minus every group/other bit (data_dir files: never > 0600)
  keep,          // keep the old mode as it was (a keyring or service file an operator shared)
};

// The file's bytes, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path);
// Empty on success, else what failed (with errno text). An existing file's owner is kept where
// the caller may set it.
std::string write_file_atomic(const std::string& path, const std::string& data,
                              FileMode mode = FileMode::private_file);
// mkdir -p; empty on success, else what failed.
std::string make_dirs(const std::string& path);
// mkdir -p, then the leaf folder made 0700 when it is looser (`warning` says so; it stays empty
// for a folder created now or already private). Empty on success, else what failed.
std::string make_private_dir(const std::string& path, std::string& warning);
// "" when `path` cannot be read by group or others (or does not exist), else a warning naming
// `what` (e.g. "security.keyring"), the mode and the fix.
std::string loose_mode_warning(const std::string& path, const std::string& what);

}  // namespace shoal::node
