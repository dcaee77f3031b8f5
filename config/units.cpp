#include "config/units.hpp"

#include <array>
#include <cctype>

namespace shoal::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal number at the front of `t`: integer digits, optionally '.' and fraction digits.
struct Number {
  std::uint64_t int_part = 0;
  std::uint64_t frac = 0;
  std::uint64_t frac_scale = 1;  // 10^(fraction digits)
};

// Parses a number starting at t[i]; advances i. Empty string on success, else the problem.
std::string read_number(std::string_view t, std::size_t& i, Number& n) {
  const std::size_t start = i;
  while (i < t.size() && is_digit(t[i])) {
    if (i - start >= 12) return "number too large";
    n.int_part = n.int_part * 10 + static_cast<unsigned>(t[i] - '0');
    ++i;
  }
  if (i == start) {
    if (i < t.size()) return "expected a number at \"" + std::string(t.substr(i)) + "\"";
    return "expected a number";
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    const std::size_t fstart = i;
    while (i < t.size() && is_digit(t[i])) {
      if (i - fstart >= 9) return "too many decimals";
      n.frac = n.frac * 10 + static_cast<unsigned>(t[i] - '0');
      n.frac_scale *= 10;
      ++i;
    }
    if (i == fstart) return "expected digits after '.'";
  }
  return {};
}

constexpr Millis kMaxMillis = 10'000'000'000'000;  // ~317 years
constexpr std::int64_t kMaxMib = std::int64_t{1} << 30;  // 1 EiB

}  // namespace

Checked<Millis> parse_duration(std::string_view t) {
  using C = Checked<Millis>;
  if (t.empty()) return C::fail("empty duration");
  struct Unit { std::string_view name; Millis ms; };
  static constexpr std::array<Unit, 4> kUnits{{{"h", 3'600'000}, {"m", 60'000}, {"s", 1'000},
                                               {"ms", 1}}};
  std::size_t i = 0;
  int last_rank = -1;
  std::uint64_t total = 0;
  while (i < t.size()) {
    Number n;
    if (auto e = read_number(t, i, n); !e.empty()) return C::fail(e);
    // The unit is the run of characters up to the next digit.
    std::size_t j = i;
    while (j < t.size() && !is_digit(t[j])) ++j;
    const std::string_view unit = t.substr(i, j - i);
    if (unit.empty()) return C::fail("missing unit (use ms, s, m or h)");
    int rank = -1;
    for (int r = 0; r < 4; ++r)
      if (unit == kUnits[r].name) rank = r;
    if (rank < 0)
      return C::fail("unknown unit \"" + std::string(unit) + "\" (use ms, s, m or h)");
    i = j;
    if (rank <= last_rank) return C::fail("units must go from largest to smallest, each once");
    last_rank = rank;
    const std::uint64_t unit_ms = static_cast<std::uint64_t>(kUnits[rank].ms);
    if ((n.frac * unit_ms) % n.frac_scale != 0)
      return C::fail("not a whole number of milliseconds");
    total += n.int_part * unit_ms + n.frac * unit_ms / n.frac_scale;
    if (total > static_cast<std::uint64_t>(kMaxMillis)) return C::fail("too long");
  }
  return C{static_cast<Millis>(total), {}};
}

std::int64_t bytes_to_mib_ceil(std::int64_t bytes) {
  constexpr std::int64_t kMib = 1024 * 1024;
  return bytes / kMib + (bytes % kMib != 0 ? 1 : 0);
}

Checked<std::int64_t> parse_size_mib(std::string_view t) {
  using C = Checked<std::int64_t>;
  if (t.empty()) return C::fail("empty size");
  std::size_t i = 0;
  Number n;
  if (auto e = read_number(t, i, n); !e.empty()) return C::fail(e);
  const std::string unit(t.substr(i));
  std::uint64_t mult = 0;
  const auto pick = [&](std::string_view iec, std::string_view short_iec, char letter,
                        std::uint64_t m) {
    if (unit == iec || unit == short_iec ||
        (unit.size() == 1 && std::tolower(static_cast<unsigned char>(unit[0])) == letter))
      mult = m;
  };
  constexpr std::uint64_t k = 1024;
  if (unit == "B") mult = 1;
  pick("KiB", "Ki", 'k', k);
  pick("MiB", "Mi", 'm', k * k);
  pick("GiB", "Gi", 'g', k * k * k);
  pick("TiB", "Ti", 't', k * k * k * k);
  if (mult == 0) {
    if (unit.empty()) return C::fail("missing unit (use B, KiB, MiB, GiB or TiB)");
    if (unit == "KB" || unit == "kB" || unit == "MB" || unit == "GB" || unit == "TB")
      return C::fail("unit \"" + unit + "\" is ambiguous; use \"" + std::string(1, static_cast<char>(std::toupper(
                                                          static_cast<unsigned char>(unit[0])))) +
                     "iB\"");
    return C::fail("unknown unit \"" + unit + "\" (use B, KiB, MiB, GiB or TiB)");
  }
  // int_part < 10^12 and mult <= 2^40: check before multiplying.
  if (n.int_part > (std::uint64_t{1} << 62) / mult) return C::fail("too large");
  std::uint64_t bytes = n.int_part * mult;
  // frac < 10^9, so frac * mult fits only for mult <= 2^33; split it for larger units.
  const std::uint64_t frac_bytes =
      mult <= (std::uint64_t{1} << 30)
          ? (n.frac * mult + n.frac_scale - 1) / n.frac_scale
          : ((n.frac * (std::uint64_t{1} << 30) + n.frac_scale - 1) / n.frac_scale) *
                (mult >> 30);
  bytes += frac_bytes;
  constexpr std::uint64_t kMib = 1024 * 1024;
  const std::uint64_t mib = (bytes + kMib - 1) / kMib;
  if (mib > static_cast<std::uint64_t>(kMaxMib)) return C::fail("too large");
  return C{static_cast<std::int64_t>(mib), {}};
}

Checked<std::int64_t> parse_millicores(std::string_view t) {
  using C = Checked<std::int64_t>;
  if (t.size() < 2 || t.back() != 'm')
    return C::fail("expected millicores like \"500m\" or a number of cores like 0.5");
  std::int64_t v = 0;
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    if (!is_digit(t[i]))
      return C::fail("expected millicores like \"500m\" or a number of cores like 0.5");
    v = v * 10 + (t[i] - '0');
    if (v > 1'000'000'000) return C::fail("too large");
  }
  return C{v, {}};
}

Checked<Address> parse_address(std::string_view t) {
  using C = Checked<Address>;
  if (t.empty()) return C::fail("empty address (use host:port)");
  std::string_view host, port;
  bool v6 = false;
  if (t[0] == '[') {
    const auto close = t.find(']');
    if (close == std::string_view::npos) return C::fail("missing ']' after the IPv6 host");
    host = t.substr(1, close - 1);
    if (close + 1 >= t.size() || t[close + 1] != ':')
      return C::fail("missing port after ']' (use [host]:port)");
    port = t.substr(close + 2);
    v6 = true;
  } else {
    const auto colon = t.rfind(':');
    if (colon == std::string_view::npos) return C::fail("missing port (use host:port)");
    host = t.substr(0, colon);
    port = t.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return C::fail("IPv6 addresses need brackets, like \"[::1]:7950\"");
  }
  if (host.empty()) return C::fail("missing host (use host:port)");
  for (char c : host) {
    const bool ok = v6 ? (std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.' ||
                          c == '%')
                       : (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                          c == '_');
    if (!ok) return C::fail("invalid character '" + std::string(1, c) + "' in host");
  }
  if (v6 && host.find(':') == std::string_view::npos)
    return C::fail("only IPv6 hosts go in brackets");
  if (port.empty()) return C::fail("missing port (use host:port)");
  long value = 0;
  for (char c : port) {
    if (!is_digit(c) || value > 65535) return C::fail("port must be a number from 1 to 65535");
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return C::fail("port must be a number from 1 to 65535");
  return C{Address{std::string(host), static_cast<std::uint16_t>(value)}, {}};
}

std::string check_service_name(std::string_view name) {
  if (name.empty()) return "service name is empty";
  if (name.size() > 63) return "service name is longer than 63 characters";
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '-'))
      return "service name may only contain a-z, 0-9 and '-'";
  if (name.front() == '-' || name.back() == '-')
    return "service name must not start or end with '-'";
  return {};
}

std::string format_duration(Millis ms) {
  if (ms == 0) return "0s";
  std::string out;
  const std::array<std::pair<Millis, const char*>, 4> units{
      {{3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}, {1, "ms"}}};
  for (const auto& [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

}  // namespace shoal::config
