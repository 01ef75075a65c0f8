// Users, API tokens and sessions. Tokens and session ids are stored only as
// SHA-256 hashes; passwords as Argon2id hashes. Functions run inside the
// caller's transaction.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "store/sql.h"

namespace lw {

inline constexpr int64_t kSessionLifetimeMs = 12LL * 3600 * 1000;

struct Identity {
  int64_t org_id = 0;
  int64_t user_id = 0;
  std::string email;
  std::string name;
  bool admin = false;
  bool via_session = false;  // cookie auth: state changes need the CSRF token
  std::string csrf_token;
};

struct NewUser {
  int64_t user_id = 0;
  std::string api_token;  // shown once
};

// Validates and adds a user with a fresh API token. role: "admin" | "user".
// password_hash: already hashed (hashing is slow; do it outside transactions).
Result<NewUser> AddUser(sql::Connection& c, int64_t org_id, const std::string& email,
                        const std::string& role, const std::optional<std::string>& password_hash,
                        int64_t now_ms);
// Issues another API token for a user (the demo prints a fresh one each run).
std::string IssueApiToken(sql::Connection& c, int64_t user_id, int64_t now_ms);
void SetPasswordHash(sql::Connection& c, int64_t user_id, const std::string& hash);

// One statement each (Database::ReadOneStatement runs them).
std::optional<Identity> IdentityForToken(sql::Connection& c, const std::string& token);
std::optional<Identity> IdentityForSession(sql::Connection& c, const std::string& session,
                                           int64_t now_ms);

struct Credentials {
  Identity who;
  std::string password_hash;
};
std::optional<Credentials> FindLogin(sql::Connection& c, const std::string& email);

struct NewSession {
  std::string token;  // the cookie value
  std::string csrf_token;
};
NewSession CreateSession(sql::Connection& c, int64_t user_id, int64_t now_ms);
void DeleteSession(sql::Connection& c, const std::string& session);

bool ValidEmail(const std::string& email);

// A user's code, as integrations know users by (Lead Docket's LeadCreatorCode,
// LeadIntakeCode): "U" and the user's id in at least six digits. Derived, so
// it never changes and needs no column.
std::string UserCode(int64_t user_id);
// The organization's user with this email (case-insensitive), if any.
std::optional<int64_t> FindUserByEmail(sql::Connection& c, int64_t org_id,
                                       const std::string& email);

}  // namespace lw
