// The web UI's files (src/web), compiled into the binary by
// cmake/embed_web.cmake. Read-only data; any thread.
#pragma once

#include <string_view>
#include <vector>

namespace lw::web {

struct Asset {
  std::string_view path;  // "/index.html", "/js/app.js", …
  std::string_view content_type;
  std::string_view body;
};

const std::vector<Asset>& Assets();

}  // namespace lw::web
