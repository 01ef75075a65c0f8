#include "domain/login_attempts.h"

#include <algorithm>
#include <utility>

namespace lw::login_attempts {

namespace {

std::string Pair(const std::string& email, const std::string& address) {
  return email + "|" + address;
}

}  // namespace

std::optional<std::vector<int64_t>> Reserve(sql::Connection& c, const std::string& email,
                                            const std::string& address, int64_t now_ms) {
  // Guesses older than the window no longer count, whoever made them; an
  // address stays known for its account for a month.
  c.Exec("DELETE FROM login_attempts WHERE at <= ? AND (at <= ? OR subject NOT LIKE 'known:%')",
         {now_ms - kWindowMs, now_ms - kKnownForMs});
  std::vector<std::pair<std::string, int>> keys = {
      {"pair:" + Pair(email, address), kPerAccountAndAddress}};
  // An address the account logged in from is spent neither by guesses at
  // other accounts from the same address (an office's other people, a
  // guesser behind the same NAT) nor by guesses at this one from elsewhere.
  if (!c.QueryOne("SELECT 1 FROM login_attempts WHERE subject = ?",
                  {"known:" + Pair(email, address)})) {
    keys.push_back({"addr:" + address, kPerAddress});
    keys.push_back({"email:" + email, kPerAccount});
  }
  // Locked in one order, so two logins sharing keys cannot deadlock.
  std::sort(keys.begin(), keys.end());
  std::vector<int64_t> ids;
  for (const auto& [key, limit] : keys) {
    // Counting and reserving must be one step for each key on every node.
    c.LockName("login:" + key);
    if (c.QueryOne("SELECT COUNT(*) FROM login_attempts WHERE subject = ?", {key})->Int(0) >= limit)
      return std::nullopt;
    ids.push_back(c.InsertId("INSERT INTO login_attempts (subject, at) VALUES (?, ?) RETURNING id",
                             {key, now_ms}));
  }
  return ids;
}

void Forgive(sql::Connection& c, const std::vector<int64_t>& reservations, const std::string& email,
             const std::string& address, int64_t now_ms) {
  c.ExecIn("DELETE FROM login_attempts WHERE id IN (@ids)", {}, reservations);
  c.Exec("DELETE FROM login_attempts WHERE subject IN (?, ?)",
         {"pair:" + Pair(email, address), "known:" + Pair(email, address)});
  c.Exec("INSERT INTO login_attempts (subject, at) VALUES (?, ?)",
         {"known:" + Pair(email, address), now_ms});
}

}  // namespace lw::login_attempts
