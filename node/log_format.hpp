// The agent's log line formats (`shoal agent --log-format text|json`). json: one object a line,
// {"ts","level","msg","logger"}, the message escaped by nlohmann (invalid UTF-8 replaced with
// U+FFFD, control characters escaped), since messages carry names and paths from outside: a
// spdlog pattern that pastes %v between quotes would let a quote or newline forge fields/lines.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <spdlog/formatter.h>

namespace shoal::node {

// text: "2026-01-02T03:04:05.678 info message" (local time, as before).
inline constexpr const char* kTextLogPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v";

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// The formatter for "text" or "json"; nullptr for any other name.
std::unique_ptr<spdlog::formatter> make_log_formatter(const std::string& format);

}  // namespace shoal::node
