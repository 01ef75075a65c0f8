#include "webhooks/rule_notifications.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "domain/audit_log.h"
#include "domain/triggers.h"
#include "domain/users.h"

namespace lw {

namespace json = boost::json;

namespace {

// Back-off between tries while the mail server is away: 5 s, 10 s, 20 s, …
// at most 10 minutes; given up a day after it was queued.
int64_t RetryDelayMs(int attempts) {
  const int64_t delay = 5000LL << std::min(attempts, 7);
  return std::min<int64_t>(delay, 10 * 60'000);
}

bool HasControl(const std::string& s) {
  for (unsigned char ch : s)
    if (ch < 0x20 || ch == 0x7f) return true;
  return false;
}

std::vector<std::string> ParseStored(const std::optional<std::string>& text) {
  std::vector<std::string> out;
  if (!text) return out;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& e : v.get_array())
    if (e.is_string()) out.emplace_back(e.get_string());
  return out;
}

json::array ToJson(const std::vector<std::string>& emails) {
  json::array a;
  for (const auto& e : emails) a.emplace_back(e);
  return a;
}

// One line of a header: no line breaks from titles or names.
std::string OneLine(std::string s) {
  for (char& ch : s)
    if (ch == '\r' || ch == '\n') ch = ' ';
  return s;
}

}  // namespace

std::vector<std::string> LoadNotifyEmails(sql::Connection& c, int64_t org_id) {
  auto r = c.QueryOne("SELECT notify_emails FROM organizations WHERE id = ?", {org_id});
  return r ? ParseStored(r->OptText(0)) : std::vector<std::string>{};
}

Status SetNotifyEmails(sql::Connection& c, const Actor& actor, const json::value& value) {
  auto bad = [](std::string why) { return Fail(Error::Field("notify_emails", std::move(why))); };
  if (!value.is_array()) return bad("must be a list of email addresses ([] for none)");
  std::vector<std::string> emails;
  for (const auto& e : value.get_array()) {
    if (!e.is_string()) return bad("must be a list of email addresses ([] for none)");
    const std::string email = Trim(std::string_view(e.get_string()));
    if (email.empty()) continue;
    if (!ValidEmail(email) || HasControl(email))
      return bad("\"" + email + "\" is not an email address");
    const bool seen = std::any_of(emails.begin(), emails.end(), [&](const std::string& other) {
      return Lower(other) == Lower(email);
    });
    if (!seen) emails.push_back(email);
  }
  if (emails.size() > kMaxNotifyEmails) return bad("holds at most 10 addresses");
  const auto before = LoadNotifyEmails(c, actor.org_id);
  if (before == emails) return {};
  c.Exec("UPDATE organizations SET notify_emails = ? WHERE id = ?",
         {emails.empty() ? sql::Value(nullptr) : sql::Value(json::serialize(ToJson(emails))),
          actor.org_id});
  RecordAudit(c, actor, "webhooks.notify_emails_changed", "organization", actor.org_id,
              json::object{{"notify_emails", ToJson(emails)}});
  return {};
}

bool QueueRuleNotification(sql::Connection& c, int64_t org_id, int64_t rule_id,
                           const std::string& why, int64_t now_ms) {
  const auto emails = LoadNotifyEmails(c, org_id);
  if (emails.empty()) return false;
  // The rule's row decides: of two transactions, the second waits for the
  // first's commit (PostgreSQL) and then finds notified_at too recent.
  if (c.Exec("UPDATE webhook_rules SET notified_at = ? WHERE id = ? AND org_id = ? AND "
             "(notified_at IS NULL OR notified_at <= ?)",
             {now_ms, rule_id, org_id, now_ms - kNotifyAtMostEveryMs}) == 0)
    return false;
  c.Exec(
      "INSERT INTO notifications (org_id, rule_id, recipients, reason, status, next_attempt_at, "
      "created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
      {org_id, rule_id, json::serialize(ToJson(emails)), why, now_ms, now_ms});
  return true;
}

EmailText ComposeEmail(const PendingEmail& e, const std::string& public_url) {
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string title = OneLine(e.rule_title);
  EmailText t;
  t.subject = "Leadwire: webhook rule \"" + title + "\" needs attention";
  t.body = "The webhook rule \"" + title + "\" (" + e.trigger_name + ") of " + OneLine(e.org_name) +
           ":\r\n\r\n" + e.reason + "\r\n\r\nIts URL: " + OneLine(e.rule_url) +
           "\r\nIts deliveries: " + base + "/#/webhook-rules/" + std::to_string(e.rule_id) +
           "/deliveries\r\n\r\nYou get this email because your address is under Settings > "
           "Integrations > Webhooks > Notify by email. Leadwire sends at most one per rule per "
           "24 hours.\r\n";
  return t;
}

std::vector<PendingEmail> ClaimEmails(sql::Connection& c, const std::string& owner, int64_t now_ms,
                                      int64_t lease_until, int limit) {
  std::vector<PendingEmail> out;
  std::vector<int64_t> ids;
  for (const auto& r : c.Query(
           "SELECT n.id, n.org_id, n.rule_id, n.recipients, n.reason, n.attempts, n.created_at, "
           "r.title, r.url, r.trigger_id, o.name FROM notifications n "
           "JOIN webhook_rules r ON r.id = n.rule_id AND r.org_id = n.org_id "
           "JOIN organizations o ON o.id = n.org_id "
           "WHERE n.status = 'pending' AND n.next_attempt_at <= ? AND n.lease_until <= ? "
           "ORDER BY n.next_attempt_at LIMIT ?" +
               std::string(c.SupportsSkipLocked() ? " FOR UPDATE OF n SKIP LOCKED" : ""),
           std::vector<sql::Value>{now_ms, now_ms, int64_t(limit)})) {
    const Trigger* trigger = FindTrigger(int(r.Int(9)));
    out.push_back({r.Int(0), r.Int(1), r.Int(2), ParseStored(r.Text(3)), r.Text(4), int(r.Int(5)),
                   r.Int(6), r.Text(7), r.Text(8), trigger ? trigger->name : "", r.Text(10)});
    ids.push_back(r.Int(0));
  }
  if (!ids.empty())
    c.ExecIn("UPDATE notifications SET lease_owner = ?, lease_until = ? WHERE id IN (@ids)",
             {owner, lease_until}, ids);
  return out;
}

void MarkEmailSent(sql::Connection& c, const PendingEmail& e, const std::string& owner,
                   int64_t now_ms) {
  if (c.Exec("UPDATE notifications SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
             "lease_until = 0 WHERE id = ? AND lease_owner = ? AND status = 'pending'",
             {now_ms, e.id, owner}) == 0)
    return;
  const Actor system{e.org_id, 0, "Leadwire", true, now_ms};
  RecordAudit(c, system, "rule.notification_sent", "webhook_rule", e.rule_id,
              json::object{{"to", ToJson(e.recipients)}, {"reason", e.reason}});
}

void MarkEmailFailed(sql::Connection& c, const PendingEmail& e, const std::string& owner,
                     const std::string& error, int64_t now_ms) {
  const int attempts = e.attempts + 1;
  const int64_t next = now_ms + RetryDelayMs(attempts);
  const bool give_up = next > e.created_at + kNotifyAtMostEveryMs;
  if (c.Exec("UPDATE notifications SET status = ?, attempts = ?, next_attempt_at = ?, "
             "last_error = ?, lease_until = 0 WHERE id = ? AND lease_owner = ? AND "
             "status = 'pending'",
             {give_up ? "failed" : "pending", int64_t(attempts), next, error, e.id, owner}) == 0 ||
      !give_up)
    return;
  const Actor system{e.org_id, 0, "Leadwire", true, now_ms};
  RecordAudit(c, system, "rule.notification_failed", "webhook_rule", e.rule_id,
              json::object{{"to", ToJson(e.recipients)}, {"error", error}});
}

}  // namespace lw
