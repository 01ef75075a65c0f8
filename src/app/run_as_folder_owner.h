// Run as root on a service's database (`sudo leadwire init --config
// /etc/leadwire/leadwire.toml`), a command first becomes the user who owns
// the database's folder (/var/lib/leadwire: the `leadwire` user the service
// runs as). The files it makes are then that user's, so the service can open
// them; PostgreSQL's peer authentication sees that user; and nothing in a
// folder another user controls (a symlink planted there) is ever opened or
// changed with root's rights.
#pragma once

#include <string>

#include "common/error.h"

namespace lw::app {

// The folder: a SQLite database's, else the key file's; none (nothing
// changes) on PostgreSQL without a key file, when this process is not root,
// or when root owns the folder. The error: one sentence.
Status RunAsFolderOwner(const std::string& db_url, const std::string& key_file);

}  // namespace lw::app
