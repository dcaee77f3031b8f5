// The dashboard's static files (node/ui/), embedded in the binary at build time by
// node/ui_embed.cmake (a generated ui_files.cpp): nothing is read from disk at run time.
#pragma once

#include <string_view>
#include <vector>

namespace shoal::node {

struct UiFile {
  std::string_view name;   // "index.html", "app.js", ... (no folders)
  std::string_view bytes;
};

// Every embedded file, in name order.
const std::vector<UiFile>& ui_files();

}  // namespace shoal::node
