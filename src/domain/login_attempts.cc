#include "domain/login_attempts.h"

#include <algorithm>

namespace lw::login_attempts {

std::optional<std::vector<int64_t>> Reserve(sql::Connection& c, std::vector<std::string> keys,
                                            int64_t now_ms) {
  // Guesses older than the window no longer count, whoever made them.
  c.Exec("DELETE FROM login_attempts WHERE at <= ?", {now_ms - kWindowMs});
  // Locked in one order, so two logins sharing both keys cannot deadlock.
  std::sort(keys.begin(), keys.end());
  std::vector<int64_t> ids;
  for (const std::string& key : keys) {
    // Counting and reserving must be one step for each key on every node.
    c.LockName("login:" + key);
    if (c.QueryOne("SELECT COUNT(*) FROM login_attempts WHERE subject = ?", {key})->Int(0) >=
        kMaxGuesses)
      return std::nullopt;
    ids.push_back(c.InsertId("INSERT INTO login_attempts (subject, at) VALUES (?, ?) RETURNING id",
                             {key, now_ms}));
  }
  return ids;
}

void Forgive(sql::Connection& c, const std::vector<int64_t>& reservations,
             const std::string& cleared_key) {
  c.ExecIn("DELETE FROM login_attempts WHERE id IN (@ids)", {}, reservations);
  c.Exec("DELETE FROM login_attempts WHERE subject = ?", {cleared_key});
}

}  // namespace lw::login_attempts
