// Where options come from besides the command line: the environment
// (LEADWIRE_<NAME>, e.g. LEADWIRE_ALLOW_DESTINATION for --allow-destination;
// a list separated by commas) and a TOML file (--config FILE, or
// LEADWIRE_CONFIG: `db = "…"`, `allow-destination = ["…"]`). The command
// line wins over the environment, which wins over the file; a key the file
// does not know is an error naming it and the file. Both become arguments
// after the command line's own, for options it does not give, so CLI11 then
// reads one list.
//
// The file is serve's (/etc/leadwire/leadwire.toml). The commands that only
// open the database (init, user add, backup) read the same file for the
// database and its key, and pass over serve's other keys, so an operator
// names the database once.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "common/error.h"

namespace lw::app {

// `args`: argv[1…]. Unchanged unless they start with `path` (e.g. {"user",
// "add"}), the command `sub`. `serve`: the command whose options are the
// file's keys. The error: one sentence (a file that cannot be read, an
// unknown key, a section).
Result<std::vector<std::string>> WithEnvironmentAndFile(const CLI::App& sub,
                                                        const std::vector<std::string>& path,
                                                        const CLI::App& serve,
                                                        std::vector<std::string> args);

}  // namespace lw::app
