// What the commands share: opening and migrating the database with an error a
// person can act on, printing that error, and hashing an optional password.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/error.h"
#include "store/database.h"

namespace lw::app {

// Opens `url`, applies migrations; on failure prints the reason and returns null.
std::unique_ptr<Database> OpenOrExplain(const std::string& url,
                                        const DatabaseOptions& options = {});
// Prints "leadwire: <message>" to stderr and returns 1.
int Complain(const std::string& message);
int Complain(const Error& e);
// A generated password for accounts created without one (printed once).
std::string GeneratePassword();

}  // namespace lw::app
