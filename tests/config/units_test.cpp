#include <catch2/catch.hpp>

#include "config/units.hpp"

using namespace shoal::config;

TEST_CASE("durations: units, combinations, decimals", "[config][units]") {
  struct Ok { const char* text; Millis ms; };
  for (const Ok& c : {Ok{"500ms", 500}, Ok{"2s", 2000}, Ok{"1m30s", 90000}, Ok{"1h", 3600000},
                      Ok{"1h2m3s4ms", 3723004}, Ok{"1.5s", 1500}, Ok{"0.25m", 15000},
                      Ok{"0s", 0}, Ok{"168h", 604800000}, Ok{"90m", 5400000}}) {
    INFO(c.text);
    auto d = parse_duration(c.text);
    REQUIRE(d.ok());
    CHECK(*d.value == c.ms);
  }
}

TEST_CASE("durations: rejected text says why", "[config][units]") {
  struct Bad { const char* text; const char* why; };
  for (const Bad& c :
       {Bad{"", "empty duration"}, Bad{"5", "missing unit (use ms, s, m or h)"},
        Bad{"5x", "unknown unit \"x\" (use ms, s, m or h)"},
        Bad{"5sec", "unknown unit \"sec\" (use ms, s, m or h)"},
        Bad{"30s1m", "units must go from largest to smallest, each once"},
        Bad{"1s1s", "units must go from largest to smallest, each once"},
        Bad{"0.5ms", "not a whole number of milliseconds"},
        Bad{"-5s", "expected a number at \"-5s\""}, Bad{"5s.", "unknown unit \"s.\" (use ms, s, m or h)"},
        Bad{"9999999999999h", "number too large"}, Bad{"1.s", "expected digits after '.'"}, Bad{"99999999999h", "too long"}}) {
    INFO(c.text);
    auto d = parse_duration(c.text);
    CHECK_FALSE(d.ok());
    CHECK(d.error == c.why);
  }
}

TEST_CASE("format_duration inverts parse_duration", "[config][units]") {
  for (Millis ms : {Millis{0}, Millis{1}, Millis{999}, Millis{1000}, Millis{90000},
                    Millis{3723004}, Millis{604800000}}) {
    const std::string text = format_duration(ms);
    INFO(text);
    auto back = parse_duration(text);
    REQUIRE(back.ok());
    CHECK(*back.value == ms);
  }
  CHECK(format_duration(90000) == "1m30s");
  CHECK(format_duration(0) == "0s");
}

TEST_CASE("sizes: IEC and docker-style units, rounded up to MiB", "[config][units]") {
  struct Ok { const char* text; std::int64_t mib; };
  for (const Ok& c : {Ok{"256MiB", 256}, Ok{"1GiB", 1024}, Ok{"1.5GiB", 1536}, Ok{"512KiB", 1},
                      Ok{"2048KiB", 2}, Ok{"2049KiB", 3}, Ok{"1B", 1}, Ok{"0B", 0},
                      Ok{"1TiB", 1048576}, Ok{"512M", 512}, Ok{"512m", 512}, Ok{"2G", 2048},
                      Ok{"1Gi", 1024}, Ok{"64Mi", 64}, Ok{"0.5MiB", 1}}) {
    INFO(c.text);
    auto s = parse_size_mib(c.text);
    REQUIRE(s.ok());
    CHECK(*s.value == c.mib);
  }
  CHECK(parse_size_mib("1GB").error == "unit \"GB\" is ambiguous; use \"GiB\"");
  CHECK(parse_size_mib("1kB").error == "unit \"kB\" is ambiguous; use \"KiB\"");
  CHECK(parse_size_mib("12").error == "missing unit (use B, KiB, MiB, GiB or TiB)");
  CHECK(parse_size_mib("12 MiB").error == "unknown unit \" MiB\" (use B, KiB, MiB, GiB or TiB)");
  CHECK(parse_size_mib("99999999999TiB").error == "too large");
  CHECK(bytes_to_mib_ceil(0) == 0);
  CHECK(bytes_to_mib_ceil(1) == 1);
  CHECK(bytes_to_mib_ceil(1048576) == 1);
  CHECK(bytes_to_mib_ceil(1048577) == 2);
}

TEST_CASE("millicores", "[config][units]") {
  CHECK(*parse_millicores("500m").value == 500);
  CHECK(*parse_millicores("0m").value == 0);
  CHECK(*parse_millicores("2500m").value == 2500);
  CHECK_FALSE(parse_millicores("500").ok());
  CHECK_FALSE(parse_millicores("m").ok());
  CHECK_FALSE(parse_millicores("5.5m").ok());
}

TEST_CASE("addresses: host:port and bracketed IPv6", "[config][units]") {
  auto a = parse_address("10.0.0.5:7950");
  REQUIRE(a.ok());
  CHECK(a.value->host == "10.0.0.5");
  CHECK(a.value->port == 7950);
  CHECK(a.value->to_string() == "10.0.0.5:7950");
  auto b = parse_address("[::1]:7950");
  REQUIRE(b.ok());
  CHECK(b.value->host == "::1");
  CHECK(b.value->to_string() == "[::1]:7950");
  auto c = parse_address("host-a.example:65535");
  REQUIRE(c.ok());
  CHECK(c.value->port == 65535);
  CHECK(parse_address("h:0").error == "port must be a number from 1 to 65535");
  CHECK(parse_address("h:65536").error == "port must be a number from 1 to 65535");
  CHECK(parse_address("h:80x").error == "port must be a number from 1 to 65535");
  CHECK(parse_address("h").error == "missing port (use host:port)");
  CHECK(parse_address(":80").error == "missing host (use host:port)");
  CHECK(parse_address("h:").error == "missing port (use host:port)");
  CHECK(parse_address("::1:80").error == "IPv6 addresses need brackets, like \"[::1]:7950\"");
  CHECK(parse_address("[::1").error == "missing ']' after the IPv6 host");
  CHECK(parse_address("[10.0.0.1]:80").error == "only IPv6 hosts go in brackets");
  CHECK(parse_address("a b:80").error == "invalid character ' ' in host");
}

TEST_CASE("service names", "[config][units]") {
  CHECK(check_service_name("web").empty());
  CHECK(check_service_name("a").empty());
  CHECK(check_service_name("web-2").empty());
  CHECK(check_service_name(std::string(63, 'a')).empty());
  CHECK(check_service_name(std::string(64, 'a')) == "service name is longer than 63 characters");
  CHECK(check_service_name("") == "service name is empty");
  CHECK(check_service_name("Web") == "service name may only contain a-z, 0-9 and '-'");
  CHECK(check_service_name("web_1") == "service name may only contain a-z, 0-9 and '-'");
  CHECK(check_service_name("web-") == "service name must not start or end with '-'");
}
