// runtime.registry_auth: Docker's config.json read privately and bounded, its credentials
// matched to an image's registry, and the X-Registry-Auth value the Engine API expects.
// Hostile files (loose modes, FIFOs, huge, malformed) are refused, never echoing a password.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "node/runtime/registry_auth.hpp"

using namespace shoal::runtime;

namespace {

struct AuthDir {
  AuthDir() {
    char tmpl[] = "/tmp/shoal-regauth-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~AuthDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text, mode_t mode = 0600) {
    const std::string p = path + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  std::string path;
};

std::string error_of(const Result<RegistryAuths>& r) { return r ? "" : r.error().message; }

}  // namespace

TEST_CASE("registry auth: base64 both ways") {
  CHECK(base64_decode("dXNlcjpwYXNz") == std::optional<std::string>("user:pass"));
  CHECK(base64_decode("YQ==") == std::optional<std::string>("a"));
  CHECK(base64_decode("YQ") == std::optional<std::string>("a"));
  CHECK(base64_decode("") == std::optional<std::string>(""));
  CHECK_FALSE(base64_decode("Y"));
  CHECK_FALSE(base64_decode("dXNl*jpw"));
  CHECK_FALSE(base64_decode("dXNl cjpw"));
  CHECK(base64url_encode("") == "");
  CHECK(base64url_encode("a") == "YQ==");
  CHECK(base64url_encode("ab") == "YWI=");
  CHECK(base64url_encode("abc") == "YWJj");
  CHECK(base64url_encode("\xfb\xff") == "-_8=");  // url alphabet: '-' and '_' for '+' and '/'
}

TEST_CASE("registry auth: parses auths, by host, Docker Hub's key as docker.io") {
  auto r = parse_registry_auth(R"({"auths": {
      "127.0.0.1:5000": {"auth": "dXNlcjpwYTpzcw=="},
      "https://index.docker.io/v1/": {"auth": "aHViOmh1YnB3"},
      "ghcr.io": {"username": "me", "password": "tok"}},
    "credsStore": "desktop"})", "/r.json");
  REQUIRE(r.ok());
  CHECK(r.value() == RegistryAuths{{"127.0.0.1:5000", {"user", "pa:ss"}},
                                   {"docker.io", {"hub", "hubpw"}},
                                   {"ghcr.io", {"me", "tok"}}});
}

TEST_CASE("registry auth: malformed files are refused, naming the file and entry, not secrets") {
  auto err = [](const std::string& text) { return error_of(parse_registry_auth(text, "/r.json")); };
  CHECK(err("") == "/r.json: not a JSON object");
  CHECK(err("[1]") == "/r.json: not a JSON object");
  CHECK(err("{}").rfind("/r.json: needs an `auths` object", 0) == 0);
  CHECK(err(R"({"auths": []})").rfind("/r.json: needs an `auths` object", 0) == 0);
  CHECK(err(R"({"auths": {"h": 1}})") == "/r.json: auths.h must be an object");
  CHECK(err(R"({"auths": {"h": {"auth": "!!!"}}})") == "/r.json: auths.h.auth is not base64");
  CHECK(err(R"({"auths": {"h": {"auth": "c2VjcmV0"}}})") ==
        "/r.json: auths.h.auth must encode USER:PASSWORD");  // "secret": not echoed
  CHECK(err(R"({"auths": {"h": {}}})").rfind("/r.json: auths.h needs `auth`", 0) == 0);
  CHECK(err(R"({"auths": {"h": {"auth": "OnB3"}}})").find("the user must be") != std::string::npos);
  CHECK(err(R"({"auths": {"": {"auth": "dTpw"}}})") ==
        "/r.json: auths has a key that is not a registry host");
  CHECK(err(R"({"auths": {"a\nb": {"auth": "dTpw"}}})") ==
        "/r.json: auths has a key that is not a registry host");
  nlohmann::json many;
  for (int i = 0; i < 257; ++i) many["auths"]["h" + std::to_string(i)] = {{"auth", "dTpw"}};
  CHECK(err(many.dump()) == "/r.json: more than 256 registries");
  nlohmann::json big{{"auths", {{"h", {{"username", "u"}, {"password", std::string(4097, 'p')}}}}}};
  CHECK(err(big.dump()).find("the password at most 4096") != std::string::npos);
  CHECK(err(big.dump()).find("pppp") == std::string::npos);
}

TEST_CASE("registry auth: the file must be private, regular and small") {
  AuthDir d;
  const std::string ok = R"({"auths": {"h:1": {"auth": "dTpw"}}})";
  CHECK(load_registry_auth(d.write("ok.json", ok)).ok());
  CHECK(error_of(load_registry_auth(d.write("group.json", ok, 0640))) ==
        d.path + "/group.json: mode 0640 lets group or others at the credentials; run `chmod 600 " +
            d.path + "/group.json`");
  CHECK_FALSE(load_registry_auth(d.write("world.json", ok, 0604)).ok());
  CHECK_FALSE(load_registry_auth(d.write("gw.json", ok, 0620)).ok());
  CHECK(error_of(load_registry_auth(d.path + "/none.json")) ==
        d.path + "/none.json: No such file or directory");
  CHECK(error_of(load_registry_auth(d.path)) == d.path + ": not a regular file");
  const std::string fifo = d.path + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(error_of(load_registry_auth(fifo)) == fifo + ": not a regular file");  // no wait
  std::string huge = R"({"auths": {}, "pad": ")" + std::string(1024 * 1024, 'x') + "\"}";
  CHECK(error_of(load_registry_auth(d.write("huge.json", huge))) ==
        d.path + "/huge.json: larger than 1 MiB");
  if (::geteuid() == 0) {  // another owner than root or the agent's user
    const std::string other = d.write("other.json", ok);
    REQUIRE(::chown(other.c_str(), 12345, 12345) == 0);
    CHECK(error_of(load_registry_auth(other)) ==
          other + ": owned by uid 12345, not by this agent's user or root");
  }
}

TEST_CASE("registry auth: an image's registry, and the header for it") {
  CHECK(registry_of("nginx") == "docker.io");
  CHECK(registry_of("library/nginx:1") == "docker.io");
  CHECK(registry_of("docker.io/library/nginx") == "docker.io");
  CHECK(registry_of("127.0.0.1:5000/team/app:1") == "127.0.0.1:5000");
  CHECK(registry_of("localhost/app") == "localhost");
  CHECK(registry_of("ghcr.io/o/app@sha256:00") == "ghcr.io");
  const RegistryAuths auths{{"127.0.0.1:5000", {"user", "pa:ss"}}};
  CHECK(registry_auth_header(auths, "nginx:latest").empty());
  CHECK(registry_auth_header(auths, "127.0.0.1:5001/app:1").empty());
  const std::string h = registry_auth_header(auths, "127.0.0.1:5000/team/app:1");
  REQUIRE_FALSE(h.empty());
  CHECK(h.find_first_of("+/") == std::string::npos);
  std::string std64 = h;
  for (char& c : std64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  auto json = base64_decode(std64);
  REQUIRE(json);
  CHECK(nlohmann::json::parse(*json) ==
        nlohmann::json{{"username", "user"}, {"password", "pa:ss"}, {"serveraddress", "127.0.0.1:5000"}});
}
