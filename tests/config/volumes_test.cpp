// Service volumes: read from a file (errors at the entry, naming the file and key), split by
// parse_volume, and every hostile value refused by the one validator (as a gossiped spec
// reaches it, without a reader in front).
#include <catch2/catch.hpp>

#include "config/parse.hpp"
#include "config/validate_spec.hpp"
#include "config/volume.hpp"
#include "tests/config/service_file_errors.hpp"

using namespace shoal::config;
using shoal::config::test::service_file_errors;

namespace {

std::string file_with(const std::string& volumes) {
  return "[service.db]\nimage = \"postgres\"\nvolumes = " + volumes + "\n";
}

// The messages of a spec with these volumes, joined with "\n".
std::string problems(const std::vector<std::string>& texts) {
  ServiceSpec s;
  s.name = "db";
  s.image = "postgres";
  for (const auto& t : texts) s.volumes.push_back(parse_volume(t));
  std::string out;
  for (const auto& i : validate(s)) out += (out.empty() ? "" : "\n") + i.field + ": " + i.message;
  return out;
}

}  // namespace

TEST_CASE("volumes: named and bind entries are read in order", "[config][volumes]") {
  auto r = parse_service_file(file_with(R"(["data:/data", "/srv/x:/x:ro", "/srv/y:/y:rw"])"),
                              "f.toml");
  REQUIRE(r.ok());
  const auto& v = (*r.value)[0].volumes;
  REQUIRE(v.size() == 3);
  CHECK(v[0] == Volume{"data", "/data", ""});
  CHECK_FALSE(v[0].bind());
  CHECK_FALSE(v[0].read_only());
  CHECK(v[1] == Volume{"/srv/x", "/x", "ro"});
  CHECK(v[1].bind());
  CHECK(v[1].read_only());
  CHECK(v[2] == Volume{"/srv/y", "/y", "rw"});
  CHECK_FALSE(v[2].read_only());
  CHECK(v[1].to_string() == "/srv/x:/x:ro");
  CHECK(v[0].to_string() == "data:/data");
}

TEST_CASE("volumes: absent or empty means none", "[config][volumes]") {
  auto r = parse_service_file("[service.db]\nimage = \"postgres\"\n", "f.toml");
  REQUIRE(r.ok());
  CHECK((*r.value)[0].volumes.empty());
  auto e = parse_service_file(file_with("[]"), "f.toml");
  REQUIRE(e.ok());
  CHECK((*e.value)[0].volumes.empty());
}

TEST_CASE("volumes: parse_volume splits at the first two colons", "[config][volumes]") {
  CHECK(parse_volume("data") == Volume{"data", "", ""});
  CHECK(parse_volume("a:/b") == Volume{"a", "/b", ""});
  CHECK(parse_volume("a:/b:ro:x") == Volume{"a", "/b", "ro:x"});
  CHECK(parse_volume(":") == Volume{"", "", ""});
  CHECK(parse_volume("") == Volume{"", "", ""});
  // to_string is parse_volume's inverse for whatever it split
  for (const char* t : {"a:/b", "a:/b:ro:x", ":/x", "/h:/c:rw", "a"})
    CHECK(parse_volume(t).to_string() == t);
}

TEST_CASE("volumes: errors name the file, the entry's position and the rule", "[config][volumes]") {
  CHECK(service_file_errors(file_with(R"(["data:/data", "../etc:/x"])")) ==
        "f.toml:3:26: volumes[1] `../etc:/x`: the source must be a volume name "
        "([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 characters) or an absolute host path");
  CHECK(service_file_errors(file_with(R"(["data"])")) ==
        "f.toml:3:12: volumes[0] `data`: must be SOURCE:TARGET[:ro|rw], e.g. \"data:/data\" or "
        "\"/srv/x:/x:ro\"");
  CHECK(service_file_errors(file_with(R"(["/srv/x:/x:rx"])")) ==
        "f.toml:3:12: volumes[0] `/srv/x:/x:rx`: the options must be `ro` or `rw`");
  CHECK(service_file_errors(file_with(R"("data:/data")")) ==
        "f.toml:3:11: volumes must be an array of strings, not a string");
  CHECK(service_file_errors(file_with("[1]")) == "f.toml:3:12: volumes[0] must be a string, not an integer");
}

TEST_CASE("volumes: hostile values are refused by the validator", "[config][volumes]") {
  CHECK(problems({"data:/data", "/srv/x:/x:ro"}).empty());
  CHECK(problems({"my_vol.1-a:/d"}).empty());
  // names
  CHECK(problems({"-x:/d"}).find("volumes[0]: volumes[0] `-x:/d`: the source must be a volume name") == 0);
  CHECK(problems({"_x:/d"}).find("the source must be a volume name") != std::string::npos);
  CHECK(problems({"a b:/d"}).find("the source must be a volume name") != std::string::npos);
  CHECK(problems({"./x:/d"}).find("the source must be a volume name") != std::string::npos);
  CHECK(problems({":/d"}).find("the source must be a volume name") != std::string::npos);
  CHECK(problems({std::string(256, 'a') + ":/d"}).find("must be a volume name") !=
        std::string::npos);
  CHECK(problems({std::string(255, 'a') + ":/d"}).empty());
  // paths
  CHECK(problems({"/srv/../etc:/x"}) ==
        "volumes[0]: volumes[0] `/srv/../etc:/x`: the host path must not hold a `..` component");
  CHECK(problems({"/..:/x"}).find("`..` component") != std::string::npos);
  CHECK(problems({"/srv/..x:/x"}).empty());  // a name with dots, not a `..` component
  CHECK(problems({"data:/a/.."}).find("the target must not hold a `..`") != std::string::npos);
  CHECK(problems({"data:relative"}).find("the target must be an absolute path") !=
        std::string::npos);
  CHECK(problems({"data:/"}).find("the target must not be `/`") != std::string::npos);
  CHECK(problems({"data://"}).find("the target must not be `/`") != std::string::npos);
  CHECK(problems({"/" + std::string(4096, 'a') + ":/x"}).find("longer than 4096 bytes") !=
        std::string::npos);
  CHECK(problems({"data:/" + std::string(4096, 'a')}).find("longer than 4096 bytes") !=
        std::string::npos);
  CHECK(problems({std::string("/a\nb:/x")}).find("volumes[0]: the host path holds a control") !=
        std::string::npos);  // not echoed: the entry holds a newline
  CHECK(problems({std::string("/a\0b:/x", 7)}).find("control character") != std::string::npos);
  CHECK(problems({"/a\xff:/x"}).find("the host path must be UTF-8 text") != std::string::npos);
  CHECK(problems({"data:/\xc0\x80"}).find("the target must be UTF-8 text") != std::string::npos);
  // options
  CHECK(problems({"data:/d:RO"}).find("the options must be `ro` or `rw`") != std::string::npos);
  CHECK(problems({"data:/d:ro:z"}).find("the options must be `ro` or `rw`") != std::string::npos);
  CHECK(problems({"data:/d:ro,z"}).find("the options must be `ro` or `rw`") != std::string::npos);
  // the same target twice, however spelled
  CHECK(problems({"a:/d", "b:/d/"}) == "volumes[1]: volumes[1] `b:/d/`: the target /d/ is used twice");
  CHECK(problems({"a:/d", "b://d"}).find("is used twice") != std::string::npos);
  // the count
  std::vector<std::string> many;
  for (int i = 0; i < 64; ++i) many.push_back("v" + std::to_string(i) + ":/d" + std::to_string(i));
  CHECK(problems(many).empty());
  many.push_back("v64:/d64");
  CHECK(problems(many) == "volumes: volumes: 65 volumes, more than 64");
}
