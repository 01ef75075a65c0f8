#include "delivery/notifier.h"

#include "common/crypto.h"
#include "common/log.h"
#include "webhooks/rule_notifications.h"

namespace lw {

namespace {
// Long enough for a few sends of 30 s at most each.
constexpr int64_t kLeaseMs = 5 * 60'000;
constexpr int kClaimAtOnce = 5;
}  // namespace

Notifier::Notifier(Database& db, const Clock& clock, SmtpMailer mailer, std::string public_url,
                   std::chrono::milliseconds every)
    : db_(db),
      clock_(clock),
      mailer_(std::move(mailer)),
      public_url_(std::move(public_url)),
      owner_("notifier-" + crypto::Hex(crypto::RandomBytes(8))),
      loop_("lw-notifier", every, [this] { Round(); }) {}

Result<int> Notifier::RunOnce() {
  std::vector<PendingEmail> due;
  const int64_t now = clock_.NowMs();
  LW_CHECK(db_.Write([&](sql::Connection& c) -> Status {
    due = ClaimEmails(c, owner_, now, now + kLeaseMs, kClaimAtOnce);
    return {};
  }));
  int sent = 0;
  for (const PendingEmail& e : due) {
    // Stopping: the rest wait for their lease to run out, on another node.
    if (loop_.Stopping()) break;
    const EmailText text = ComposeEmail(e, public_url_);
    const Status st = mailer_.Send(e.recipients, text.subject, text.body);
    if (!st)
      log::Warn("notification about rule " + std::to_string(e.rule_id) + ": " + st.error().message);
    LW_CHECK(db_.Write([&](sql::Connection& c) -> Status {
      if (st)
        MarkEmailSent(c, e, owner_, clock_.NowMs());
      else
        MarkEmailFailed(c, e, owner_, st.error().message, clock_.NowMs());
      return {};
    }));
    if (st) ++sent;
  }
  return sent;
}

void Notifier::Round() {
  if (auto r = RunOnce(); !r) {
    // The database is away: the emails wait; one line a minute says so.
    const int64_t now = clock_.NowMs();
    if (now - logged_at_ >= 60'000) {
      log::Warn("notifications wait for the database: " + r.error().message);
      logged_at_ = now;
    }
  }
}

}  // namespace lw
