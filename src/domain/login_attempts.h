// Password guesses, counted in the database so that every node sees the same
// count: at most kMaxGuesses per key (an email, a client address) in any
// kWindowMs. A guess is reserved before the slow password hash runs, so
// guesses sent at once cannot all pass the check while the hashes run; a
// successful login takes its reservation back and clears its email's count.
// Functions run inside the caller's (write) transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sql.h"

namespace lw::login_attempts {

inline constexpr int kMaxGuesses = 10;
inline constexpr int64_t kWindowMs = 15 * 60 * 1000;

// Reserves one guess against every key and returns the reservations, or
// nullopt when a key has no guess left (then roll the transaction back).
std::optional<std::vector<int64_t>> Reserve(sql::Connection& c, std::vector<std::string> keys,
                                            int64_t now_ms);
// After a successful login: the reservations go, and so does every guess
// counted against `cleared_key`.
void Forgive(sql::Connection& c, const std::vector<int64_t>& reservations,
             const std::string& cleared_key);

}  // namespace lw::login_attempts
