// Diagnostics: what config/ returns instead of throwing. A parse either yields a value or every
// problem it found in the file, each with the position a user can jump to.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace shoal::config {

// One problem in a file, printed as `path:line:col: message` (line and col are 1-based; 0 means
// "no position", e.g. the file could not be read).
struct Diagnostic {
  std::string path;
  int line = 0;
  int col = 0;
  std::string message;
  std::string to_string() const;
  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

// Result of parsing a whole file: `value` is set exactly when `errors` is empty. Errors are
// sorted by (line, col).
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::vector<Diagnostic> errors;
  bool ok() const { return errors.empty() && value.has_value(); }
};

// Result of parsing one small value (a duration, an address, a constraint): the value, or a
// message saying what was wrong (without position; the caller knows where the text came from).
template <typename T>
struct Checked {
  std::optional<T> value;
  std::string error;
  bool ok() const { return value.has_value(); }
  static Checked fail(std::string why) { return Checked{std::nullopt, std::move(why)}; }
};

}  // namespace shoal::config
