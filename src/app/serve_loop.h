// Runs the HTTP server on an open database until SIGINT/SIGTERM; prints
// "Leadwire is listening on http://HOST:PORT/" (then `banner`) on stdout.
#pragma once

#include <string>

#include "store/database.h"

namespace lw::app {

int ServeDatabase(Database& db, const std::string& listen, const std::string& banner);

}  // namespace lw::app
