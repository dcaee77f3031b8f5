// data_dir/name: the name this peer's instances are labelled with (shoal.peer), written at the
// first start. A peer whose name changed (a renamed host, an edited peer file) would otherwise
// start under the new name and never look at the instances labelled with the old one, which
// then run forever beside their replacements. So a start under another name is refused unless
// the operator says `--rename`; then the old name's instances are taken over
// (node/rename_takeover.hpp) before the file is rewritten.
//
// The file holds the name and a newline. It is read with a bound (a hostile or damaged file is
// refused with its path, never trusted, never read whole).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace shoal::node {

constexpr std::size_t kNameFileMax = 256;  // bytes read at most; a name has at most 63

struct NameFile {
  enum class Kind { missing, ok, damaged };
  Kind kind = Kind::missing;
  std::string name;  // ok: the persisted name
  std::string why;   // damaged: what is wrong (unreadable, empty, too long, bad bytes)
};

std::string name_file_path(const std::string& data_dir);  // data_dir + "/name"

// Reads at most kNameFileMax + 1 bytes. A name must pass the peer file's rule (1..63 letters,
// digits, '_', '-', '.'); one trailing newline is allowed.
NameFile read_name_file(const std::string& path);

// What a start does about its name.
struct IdentityDecision {
  std::string error;                    // non-empty: refuse to start (exit 1), the message
  bool write = false;                   // write `name` to the file (first start, or renamed)
  std::optional<std::string> old_name;  // --rename from this name: take its instances over
  std::string note;                     // something to log at info level ("" = nothing)
};

// `name`: the name this start runs under; `rename`: the --rename flag; `path`: the file, for
// messages.
IdentityDecision decide_identity(const NameFile& file, const std::string& path,
                                 const std::string& name, bool rename);

// Writes `name` + "\n" atomically, mode 0600 (node/persist.hpp). Empty on success.
std::string write_name_file(const std::string& path, const std::string& name);

}  // namespace shoal::node
