// GET /ui/...: the dashboard's files (node/ui/, embedded at build time: node/ui_files.hpp).
// Only the embedded names are served, by exact match: "" is index.html; anything else (`..`,
// encoded dots, folders, a long path) is a 404, and nothing is read from disk. Every answer,
// the 404 included, carries a Content-Security-Policy that allows only this origin's scripts,
// styles and fetches (no inline script), nosniff, no framing, no referrer and no caching (a new
// binary's page is seen at once). The page reads only GET endpoints, so it works without a
// token, and under the API's rules for reads (node/api_guard.hpp).
#pragma once

#include <string_view>

#include "node/http.hpp"

namespace shoal::node {

inline constexpr std::string_view kUiCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// `rest`: the path after "/ui/" (no query string).
HttpResponse ui_response(std::string_view rest);
// GET /ui: a redirect to /ui/ (the page's relative links need the slash).
HttpResponse ui_redirect();

}  // namespace shoal::node
