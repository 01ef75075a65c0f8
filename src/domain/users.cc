#include "domain/users.h"

#include "common/json_fields.h"
#include "common/secrets.h"
#include "domain/organizations.h"

namespace lw {

namespace {

constexpr const char* kIdentityColumns = "u.org_id, u.id, u.email, u.name, u.role";

Identity ToIdentity(const sql::Row& r) {
  return {r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4) == "admin", false, {}};
}

std::string NameFromEmail(const std::string& email) {
  std::string local = email.substr(0, email.find('@'));
  for (char& ch : local)
    if (ch == '.' || ch == '_' || ch == '-') ch = ' ';
  bool start = true;
  for (char& ch : local) {
    if (start && ch >= 'a' && ch <= 'z') ch = char(ch - 'a' + 'A');
    start = ch == ' ';
  }
  return local;
}

}  // namespace

bool ValidEmail(const std::string& email) {
  const auto at = email.find('@');
  return at != std::string::npos && at > 0 && at + 1 < email.size() &&
         email.find('@', at + 1) == std::string::npos &&
         email.find_first_of(" \t\r\n<>,;") == std::string::npos &&
         email.find('.', at) != std::string::npos && email.size() <= 254;
}

Result<NewUser> AddUser(sql::Connection& c, int64_t org_id, const std::string& raw_email,
                        const std::string& role, const std::optional<std::string>& password_hash,
                        int64_t now_ms) {
  const std::string email = Lower(Trim(raw_email));
  if (!ValidEmail(email)) return Fail(Error::Field("email", "must be an email address"));
  if (role != "admin" && role != "user") return Fail(Error::Field("role", "must be admin or user"));
  if (!OrganizationExists(c, org_id))
    return Fail(Error::NotFound("No organization has id " + std::to_string(org_id) + "."));
  if (c.QueryOne("SELECT 1 FROM users WHERE email = ?", {email}))
    return Fail(Error::Conflict(
        "duplicate_email", "A user with email " + email + " already exists; use another email."));
  const int64_t user_id = c.InsertId(
      "INSERT INTO users (org_id, email, name, role, password_hash, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
      {org_id, email, NameFromEmail(email), role, sql::Opt(password_hash), now_ms});
  return NewUser{user_id, IssueApiToken(c, user_id, now_ms)};
}

std::string IssueApiToken(sql::Connection& c, int64_t user_id, int64_t now_ms) {
  std::string token = secrets::NewApiToken();
  c.Exec("INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)",
         {user_id, secrets::TokenHash(token), now_ms});
  return token;
}

void SetPasswordHash(sql::Connection& c, int64_t user_id, const std::string& hash) {
  c.Exec("UPDATE users SET password_hash = ? WHERE id = ?", {hash, user_id});
}

std::optional<Identity> IdentityForToken(sql::Connection& c, const std::string& token) {
  auto r = c.QueryOne(std::string("SELECT ") + kIdentityColumns +
                          " FROM api_tokens t JOIN users u ON u.id = t.user_id "
                          "WHERE t.token_hash = ?",
                      {secrets::TokenHash(token)});
  if (!r) return std::nullopt;
  return ToIdentity(*r);
}

std::optional<Identity> IdentityForSession(sql::Connection& c, const std::string& session,
                                           int64_t now_ms) {
  auto r = c.QueryOne(std::string("SELECT ") + kIdentityColumns +
                          ", s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id "
                          "WHERE s.token_hash = ? AND s.expires_at > ?",
                      {secrets::TokenHash(session), now_ms});
  if (!r) return std::nullopt;
  Identity who = ToIdentity(*r);
  who.via_session = true;
  who.csrf_token = r->Text(5);
  return who;
}

std::optional<Credentials> FindLogin(sql::Connection& c, const std::string& email) {
  auto r = c.QueryOne(std::string("SELECT ") + kIdentityColumns +
                          ", u.password_hash FROM users u WHERE u.email = ?",
                      {Lower(Trim(email))});
  if (!r || r->IsNull(5)) return std::nullopt;
  return Credentials{ToIdentity(*r), r->Text(5)};
}

NewSession CreateSession(sql::Connection& c, int64_t user_id, int64_t now_ms) {
  NewSession s{secrets::NewSessionToken(), secrets::NewSessionToken()};
  c.Exec("DELETE FROM sessions WHERE expires_at <= ?", {now_ms});
  c.Exec("INSERT INTO sessions (user_id, token_hash, csrf_token, expires_at) VALUES (?, ?, ?, ?)",
         {user_id, secrets::TokenHash(s.token), s.csrf_token, now_ms + kSessionLifetimeMs});
  return s;
}

void DeleteSession(sql::Connection& c, const std::string& session) {
  c.Exec("DELETE FROM sessions WHERE token_hash = ?", {secrets::TokenHash(session)});
}

std::string UserCode(int64_t user_id) {
  std::string digits = std::to_string(user_id);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return "U" + digits;
}

std::optional<int64_t> FindUserByEmail(sql::Connection& c, int64_t org_id,
                                       const std::string& email) {
  // Emails are stored lower-case (AddUser): the unique index finds it.
  auto r = c.QueryOne("SELECT id FROM users WHERE email = ? AND org_id = ?",
                      {Lower(Trim(email)), org_id});
  if (!r) return std::nullopt;
  return r->Int(0);
}

}  // namespace lw
