#include "node/runtime/log_stamp.hpp"

namespace shoal::runtime {

namespace {

// Days since 1970-01-01 <-> civil date (H. Hinnant's algorithms; no tables, no locale).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void digits(char* out, std::uint64_t v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

// `width` decimal digits at `p`, or -1.
std::int64_t read_digits(const char* p, int width) noexcept {
  std::int64_t v = 0;
  for (int i = 0; i < width; ++i) {
    if (p[i] < '0' || p[i] > '9') return -1;
    v = v * 10 + (p[i] - '0');
  }
  return v;
}

constexpr std::int64_t kDayNs = 86'400'000'000'000;

}  // namespace

void format_log_stamp(std::int64_t ns, char out[kLogStampBytes]) noexcept {
  if (ns < 0) ns = 0;
  const std::int64_t days = ns / kDayNs;
  const std::int64_t rest = ns % kDayNs;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const std::int64_t secs = rest / 1'000'000'000;
  digits(out, static_cast<std::uint64_t>(y), 4);
  out[4] = '-';
  digits(out + 5, m, 2);
  out[7] = '-';
  digits(out + 8, d, 2);
  out[10] = 'T';
  digits(out + 11, static_cast<std::uint64_t>(secs / 3600), 2);
  out[13] = ':';
  digits(out + 14, static_cast<std::uint64_t>(secs / 60 % 60), 2);
  out[16] = ':';
  digits(out + 17, static_cast<std::uint64_t>(secs % 60), 2);
  out[19] = '.';
  digits(out + 20, static_cast<std::uint64_t>(rest % 1'000'000'000), 9);
  out[29] = 'Z';
  out[30] = ' ';
}

std::optional<std::int64_t> parse_log_stamp(std::string_view line) noexcept {
  if (line.size() < kLogStampBytes) return std::nullopt;
  const char* p = line.data();
  if (p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':' ||
      p[19] != '.' || p[29] != 'Z' || p[30] != ' ')
    return std::nullopt;
  const std::int64_t y = read_digits(p, 4), mo = read_digits(p + 5, 2), d = read_digits(p + 8, 2),
                     h = read_digits(p + 11, 2), mi = read_digits(p + 14, 2),
                     s = read_digits(p + 17, 2), frac = read_digits(p + 20, 9);
  if (y < 1970 || y > 2262 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
      mi < 0 || mi > 59 || s < 0 || s > 59 || frac < 0)
    return std::nullopt;
  const std::int64_t days =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  std::int64_t cy;
  unsigned cm, cd;
  civil_from_days(days, cy, cm, cd);
  if (cy != y || cm != mo || cd != d) return std::nullopt;  // no 31 April
  if (days > (INT64_MAX - 86'399'999'999'999) / kDayNs) return std::nullopt;  // past year 2262
  return days * kDayNs + (h * 3600 + mi * 60 + s) * 1'000'000'000 + frac;
}

}  // namespace shoal::runtime
