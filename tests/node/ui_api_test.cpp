// The dashboard's files: served from the binary by exact name only, every answer with the
// strict headers, and nothing on the page builds HTML from data.
#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include "node/ui_api.hpp"
#include "node/ui_files.hpp"

using namespace shoal::node;

namespace {

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

void check_strict(const HttpResponse& r) {
  const std::string csp = header(r, "Content-Security-Policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self'") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(csp.find("unsafe-eval") == std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(header(r, "X-Content-Type-Options") == "nosniff");
  CHECK(header(r, "Cache-Control") == "no-store");
  CHECK(header(r, "X-Frame-Options") == "DENY");
}

std::string file(const std::string& name) {
  for (const auto& f : ui_files())
    if (f.name == name) return std::string(f.bytes);
  return "";
}

}  // namespace

TEST_CASE("ui: index, script and style are embedded and served with their types",
          "[node][ui]") {
  auto index = ui_response("");
  CHECK(index.status == 200);
  CHECK(index.content_type == "text/html; charset=utf-8");
  CHECK(index.body.find("<script src=\"app.js\" defer></script>") != std::string::npos);
  check_strict(index);
  CHECK(ui_response("index.html").body == index.body);
  auto js = ui_response("app.js");
  CHECK(js.status == 200);
  CHECK(js.content_type == "text/javascript; charset=utf-8");
  CHECK(js.body == file("app.js"));
  check_strict(js);
  CHECK(ui_response("style.css").content_type == "text/css; charset=utf-8");
}

TEST_CASE("ui: anything but an embedded name is a 404 with the same headers", "[node][ui]") {
  for (const std::string& p : std::vector<std::string>{
           "../", "..", "../v1/members", "%2e%2e/", "%2E%2E%2Fetc%2Fpasswd", "./index.html",
        "index.html/", "/index.html", "ui/index.html", "app.js%00", "APP.JS", "app.js.map",
        std::string(100000, 'a'), "..%2f..%2fetc%2fpasswd", "index.html\\..\\"}) {
    INFO(p.substr(0, 40));
    auto r = ui_response(p);
    CHECK(r.status == 404);
    CHECK(r.content_type == "text/plain; charset=utf-8");
    check_strict(r);
  }
  auto redirect = ui_redirect();
  CHECK(redirect.status == 308);
  CHECK(header(redirect, "Location") == "/ui/");
}

TEST_CASE("ui: the page has no inline script and never builds HTML from data", "[node][ui]") {
  const std::string html = file("index.html");
  REQUIRE(!html.empty());
  // One script element, loaded from this origin (CSP forbids inline script anyway).
  CHECK(html.find("<script") == html.rfind("<script"));
  CHECK_FALSE(std::regex_search(html, std::regex(R"(\son[a-z]+\s*=)")));  // no onclick= and friends
  const std::string js = file("app.js");
  REQUIRE(!js.empty());
  for (const char* sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                           "eval(", "new Function", "setAttribute('on", "srcdoc"}) {
    INFO(sink);
    CHECK(js.find(sink) == std::string::npos);
  }
  CHECK(js.find("http://") == std::string::npos);  // no network but this peer
  CHECK(js.find("https://") == std::string::npos);
  CHECK(html.find("http") == std::string::npos);
}
