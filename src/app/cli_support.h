// What the commands share: opening and migrating the database with an error a
// person can act on, printing that error, and hashing an optional password.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/error.h"
#include "common/secret_box.h"
#include "store/database.h"

namespace lw::app {

// Opens `url`, applies migrations; on failure prints the reason and returns null.
std::unique_ptr<Database> OpenOrExplain(const std::string& url,
                                        const DatabaseOptions& options = {});
// The key file a command uses: --secret-key-file, or next to a SQLite
// database; empty on PostgreSQL without the flag.
std::string SecretKeyPath(const std::string& db_url, const std::string& key_file);
// For init and demo: creates the key file (mode 0600) when it is missing.
// Returns its path ("" on PostgreSQL without --secret-key-file).
Result<std::string> EnsureSecretKeyFile(const std::string& db_url, const std::string& key_file);
// For serve: the node's key, checked against the database (every node must
// use the same one). A SQLite database never served with a key gets one made
// next to it (a database from before keys existed starts as it did); on
// PostgreSQL the flag is required. Null after printing why not.
std::shared_ptr<const SecretBox> OpenSecretKey(Database& db, const std::string& db_url,
                                               const std::string& key_file);
// Prints "leadwire: <message>" to stderr and returns 1.
int Complain(const std::string& message);
int Complain(const Error& e);
// A generated password for accounts created without one (printed once).
std::string GeneratePassword();

}  // namespace lw::app
