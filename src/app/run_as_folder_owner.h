// Run as root on a service's database (`sudo leadwire init --config
// /etc/leadwire/leadwire.toml`), a command first becomes the user who owns
// the database's folder (/var/lib/leadwire: the `leadwire` user the service
// runs as). The files it makes are then that user's, so the service can open
// them; PostgreSQL's peer authentication sees that user; and nothing in a
// folder another user controls (a symlink planted there) is opened or changed
// with root's rights.
#pragma once

#include <string>

#include "common/error.h"

namespace lw::app {

// The folder: a SQLite database's, else the key file's. Its owner decides —
// the folder itself, what it points to, and each folder above it up to /:
// the first that is not root's. Nothing changes (returns "") when this
// process is not root, on PostgreSQL without a key file, or when root owns
// them all. Otherwise returns who this process now is, for messages
// ("leadwire, the owner of /var/lib/leadwire"). The error: one sentence.
Result<std::string> RunAsFolderOwner(const std::string& db_url, const std::string& key_file);

}  // namespace lw::app
