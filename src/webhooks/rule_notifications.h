// Telling Admins (§8): the organization's `notify_emails`, and the emails a
// rule causes — when Leadwire disables it (410 Gone, or 5 days of failures)
// and when it has had no successful attempt for an hour while attempts
// fail — at most one per rule per 24 hours, decided by a conditional update
// of the rule's row (so two nodes never both queue one). Emails wait in
// `notifications` until a node with a mail server claims them (a lease, as
// deliveries have), sends, and marks them sent; a failed send is retried
// with back-off for 24 hours. Functions run inside the caller's transaction.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

inline constexpr size_t kMaxNotifyEmails = 10;
inline constexpr int64_t kNotifyAfterFailingMs = 3600LL * 1000;
inline constexpr int64_t kNotifyAtMostEveryMs = 24LL * 3600 * 1000;

std::vector<std::string> LoadNotifyEmails(sql::Connection& c, int64_t org_id);
// PUT {"notify_emails": [...]}: at most 10 addresses, each checked (422 on
// "notify_emails" naming the bad one), duplicates dropped; [] clears. Audited.
Status SetNotifyEmails(sql::Connection& c, const Actor& actor, const boost::json::value& emails);

// Queues the email about `rule_id` unless the organization has no
// addresses or the rule caused one in the last 24 hours. `why`: one
// sentence. Returns whether it queued one.
bool QueueRuleNotification(sql::Connection& c, int64_t org_id, int64_t rule_id,
                           const std::string& why, int64_t now_ms);

// --- The sending side (delivery/notifier.h) ---------------------------------

struct PendingEmail {
  int64_t id = 0;
  int64_t org_id = 0;
  int64_t rule_id = 0;
  std::vector<std::string> recipients;  // as the settings were when it was queued
  std::string reason;
  int attempts = 0;
  int64_t created_at = 0;
  // The rule and organization as they are when it is sent.
  std::string rule_title, rule_url, trigger_name, org_name;
};
struct EmailText {
  std::string subject, body;
};
// `public_url`: where Admins reach the UI (serve --public-url), for the link
// to the rule's Deliveries view.
EmailText ComposeEmail(const PendingEmail& e, const std::string& public_url);
// Due emails, leased to `owner` until `lease_until` (on PostgreSQL several
// nodes claim at once and skip each other's).
std::vector<PendingEmail> ClaimEmails(sql::Connection& c, const std::string& owner, int64_t now_ms,
                                      int64_t lease_until, int limit);
// Sent: recorded in the audit log. Failed: due again after a back-off, or
// given up (and audited) 24 hours after it was queued. Only while `owner`
// still holds the lease.
void MarkEmailSent(sql::Connection& c, const PendingEmail& e, const std::string& owner,
                   int64_t now_ms);
void MarkEmailFailed(sql::Connection& c, const PendingEmail& e, const std::string& owner,
                     const std::string& error, int64_t now_ms);

}  // namespace lw
