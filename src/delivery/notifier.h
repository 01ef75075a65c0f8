// Notifier: sends the emails that tell Admins a rule needs attention
// (webhooks/rule_notifications.h) through the node's mail server. Every few
// seconds it claims what is due (a lease: one node sends each), sends each
// email, and records it sent (audited) or failed (tried again with back-off
// for a day, so a mail server that is down only delays them). Runs on its
// own thread on nodes started with --smtp-url; a database outage only
// pauses it, with one log line a minute.
#pragma once

#include <chrono>
#include <string>

#include "common/clock.h"
#include "common/periodic_thread.h"
#include "common/smtp_mailer.h"
#include "store/database.h"

namespace lw {

class Notifier {
 public:
  // `public_url`: where Admins reach the UI, for the emails' links.
  Notifier(Database& db, const Clock& clock, SmtpMailer mailer, std::string public_url,
           std::chrono::milliseconds every = std::chrono::seconds(2));
  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }
  // One round: claims due emails and sends them. The number sent, or the
  // database's error.
  Result<int> RunOnce();

 private:
  void Round();  // RunOnce, logging an outage once a minute

  Database& db_;
  const Clock& clock_;
  const SmtpMailer mailer_;
  const std::string public_url_;
  const std::string owner_;  // this node's leases
  int64_t logged_at_ = 0;
  PeriodicThread loop_;  // last: stopped and joined before the rest goes
};

}  // namespace lw
