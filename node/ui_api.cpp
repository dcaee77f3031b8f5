#include "node/ui_api.hpp"

#include "node/ui_files.hpp"

namespace shoal::node {

namespace {

std::string_view content_type(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "png") return "image/png";
  if (ext == "svg") return "image/svg+xml";
  return "application/octet-stream";
}

HttpResponse with_headers(HttpResponse r) {
  r.headers = {{"Content-Security-Policy", std::string(kUiCsp)},
               {"X-Content-Type-Options", "nosniff"},
               {"X-Frame-Options", "DENY"},
               {"Referrer-Policy", "no-referrer"},
               {"Cross-Origin-Resource-Policy", "same-origin"},
               {"Cache-Control", "no-store"}};
  return r;
}

}  // namespace

HttpResponse ui_response(std::string_view rest) {
  const std::string_view name = rest.empty() ? std::string_view("index.html") : rest;
  for (const auto& f : ui_files()) {
    if (f.name == name)
      return with_headers({200, std::string(f.bytes), std::string(content_type(f.name))});
  }
  return with_headers({404, "not found\n", "text/plain; charset=utf-8"});
}

HttpResponse ui_redirect() {
  HttpResponse r = with_headers({308, "", "text/plain; charset=utf-8"});
  r.headers.emplace_back("Location", "/ui/");
  return r;
}

}  // namespace shoal::node
