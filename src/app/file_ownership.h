// Files that root makes for a service user: `sudo leadwire init --config
// /etc/leadwire/leadwire.toml` creates the SQLite database and its key file
// in /var/lib/leadwire, which belongs to the `leadwire` user the service runs
// as. Left root's, the service could not open them (a read-only database, an
// unreadable key), so they are handed to the folder's owner.
#pragma once

#include <string>
#include <vector>

namespace lw::app {

// For each of `files` that exists and belongs to root, when this process is
// root and the file's folder belongs to another user: gives the file to that
// user and group. Does nothing otherwise; a failure is logged, not fatal.
void GiveToFolderOwner(const std::vector<std::string>& files);

// The files a command that wrote `db_url` may have made: a SQLite database,
// its -wal and -shm files, and `key_file`. None for PostgreSQL but the key.
std::vector<std::string> DatabaseFiles(const std::string& db_url, const std::string& key_file);

}  // namespace lw::app
