#include "node/log_format.hpp"

#include <time.h>

#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>

#include "node/peer/json_text.hpp"

namespace shoal::node {

namespace {

// RFC 3339 in UTC with milliseconds: 2026-01-02T03:04:05.678Z.
std::string utc_stamp(spdlog::log_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto level = spdlog::level::to_string_view(msg.level);
  nlohmann::json j = {{"ts", utc_stamp(msg.time)},
                      {"level", std::string(level.data(), level.size())},
                      {"msg", std::string(msg.payload.data(), msg.payload.size())}};
  if (msg.logger_name.size() > 0) {
    j["logger"] = std::string(msg.logger_name.data(), msg.logger_name.size());
  }
  const std::string line = json_text(j) + "\n";
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

std::unique_ptr<spdlog::formatter> make_log_formatter(const std::string& format) {
  if (format == "json") return std::make_unique<JsonLogFormatter>();
  if (format == "text") return std::make_unique<spdlog::pattern_formatter>(kTextLogPattern);
  return nullptr;
}

}  // namespace shoal::node
