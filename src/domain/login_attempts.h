// Password guesses, counted in the database so that every node sees the same
// count, in any kWindowMs: at most kPerAccountAndAddress for one account from
// one client (an IPv4 address or an IPv6 /64), and, from clients that have not
// logged into that account in the last kKnownForMs, kPerAddress from one
// client whatever the account and kPerAccount for the account from all of
// them. So an attacker locks out only themselves: the right
// user, from another address or from one they logged in from before, still
// gets in, while guessing one account from many addresses is still bounded.
// A guess is reserved before the slow password hash runs, so guesses sent at
// once cannot all pass the check while the hashes run; a successful login
// takes its reservation back, clears its account-and-address count and makes
// its address known for the account. Functions run inside the caller's
// (write) transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sql.h"

namespace lw::login_attempts {

inline constexpr int kPerAccountAndAddress = 10;
inline constexpr int kPerAddress = 30;
inline constexpr int kPerAccount = 100;
inline constexpr int64_t kWindowMs = 15 * 60 * 1000;
inline constexpr int64_t kKnownForMs = 30LL * 24 * 3600 * 1000;

// Reserves one guess of `email` from `address` against every limit that
// applies and returns the reservations, or nullopt when one has no guess
// left (then roll the transaction back).
std::optional<std::vector<int64_t>> Reserve(sql::Connection& c, const std::string& email,
                                            const std::string& address, int64_t now_ms);
// After a successful login.
void Forgive(sql::Connection& c, const std::vector<int64_t>& reservations, const std::string& email,
             const std::string& address, int64_t now_ms);

}  // namespace lw::login_attempts
