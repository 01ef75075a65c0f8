#include "store/migrations.h"

#include <chrono>

#include "store/sqlite/ids_never_reused.h"

namespace lw {

namespace {

// Times are BIGINT milliseconds since the Unix epoch (UTC); booleans are
// INTEGER 0/1; free-form records keep their fields in a JSON TEXT column.
constexpr const char* kV1 = R"sql(
CREATE TABLE organizations (
  id {ID},
  name TEXT NOT NULL,
  webhooks_enabled INTEGER NOT NULL DEFAULT 0,
  webhook_key TEXT NOT NULL,
  previous_webhook_key TEXT,
  previous_key_valid_until BIGINT,
  created_at BIGINT NOT NULL
);
CREATE TABLE users (
  id {ID},
  org_id BIGINT NOT NULL REFERENCES organizations(id),
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users(email);
CREATE TABLE api_tokens (
  id {ID},
  user_id BIGINT NOT NULL REFERENCES users(id),
  token_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens(token_hash);
CREATE TABLE sessions (
  id {ID},
  user_id BIGINT NOT NULL REFERENCES users(id),
  token_hash TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX sessions_hash ON sessions(token_hash);
-- Statuses, substatuses (parent_id = the status), case types, offices,
-- marketing and opportunity sources: one table, told apart by kind.
CREATE TABLE lookups (
  id {ID},
  org_id BIGINT NOT NULL REFERENCES organizations(id),
  kind TEXT NOT NULL,
  parent_id BIGINT NOT NULL DEFAULT 0,
  name TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX lookups_name ON lookups(org_id, kind, parent_id, name);
CREATE TABLE contacts (
  id {ID},
  org_id BIGINT NOT NULL REFERENCES organizations(id),
  data TEXT NOT NULL,
  search_text TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by BIGINT,
  updated_at BIGINT NOT NULL
);
CREATE INDEX contacts_org ON contacts(org_id);
CREATE TABLE contact_tags (
  id {ID},
  org_id BIGINT NOT NULL,
  contact_id BIGINT NOT NULL REFERENCES contacts(id),
  tag TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX contact_tags_tag ON contact_tags(contact_id, tag);
CREATE TABLE leads (
  id {ID},
  org_id BIGINT NOT NULL REFERENCES organizations(id),
  contact_id BIGINT NOT NULL REFERENCES contacts(id),
  code TEXT NOT NULL,
  status_id BIGINT NOT NULL,
  substatus_id BIGINT,
  case_type_id BIGINT,
  office_id BIGINT,
  marketing_source_id BIGINT,
  opportunity_source_id BIGINT,
  case_tracker_code TEXT,
  summary TEXT,
  data TEXT NOT NULL,
  custom_fields TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by BIGINT,
  updated_at BIGINT NOT NULL,
  last_status_change_at BIGINT NOT NULL
);
CREATE INDEX leads_org ON leads(org_id, id);
CREATE TABLE notes (
  id {ID},
  org_id BIGINT NOT NULL,
  lead_id BIGINT NOT NULL REFERENCES leads(id),
  note TEXT NOT NULL,
  summary TEXT,
  created_at BIGINT NOT NULL,
  created_by BIGINT
);
CREATE INDEX notes_lead ON notes(lead_id);
CREATE TABLE opportunities (
  id {ID},
  org_id BIGINT NOT NULL REFERENCES organizations(id),
  data TEXT NOT NULL,
  marketing_source_id BIGINT,
  opportunity_source_id BIGINT,
  state TEXT NOT NULL,
  lead_id BIGINT,
  disregard_reason TEXT,
  created_at BIGINT NOT NULL,
  created_by BIGINT
);
CREATE INDEX opportunities_org ON opportunities(org_id, id);
-- Texts, emails, files, external sends and data syncs: what happened, kept
-- so that an event's payload can be rendered from it.
CREATE TABLE activities (
  id {ID},
  org_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  lead_id BIGINT,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by BIGINT
);
CREATE INDEX activities_lead ON activities(lead_id);
-- The outbox: one row per domain event, written in the same transaction as
-- the change that caused it. The delivery engine reads it.
CREATE TABLE events (
  id {ID},
  org_id BIGINT NOT NULL,
  trigger_id INTEGER NOT NULL,
  lead_id BIGINT,
  contact_id BIGINT,
  opportunity_id BIGINT,
  subject_id BIGINT,
  user_id BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX events_org ON events(org_id, id);
CREATE TABLE webhook_rules (
  id {ID},
  org_id BIGINT NOT NULL REFERENCES organizations(id),
  title TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  url TEXT NOT NULL,
  trigger_id INTEGER NOT NULL,
  creation_rules TEXT NOT NULL,
  disabled_reason TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_rules_org ON webhook_rules(org_id, trigger_id);
CREATE TABLE audit_log (
  id {ID},
  org_id BIGINT NOT NULL,
  user_id BIGINT,
  at BIGINT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id BIGINT,
  details TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log(org_id, id);
)sql";

// The delivery engine: deliveries (one per event × matching rule) and their
// attempts; the rendered payload on the event; what the rule cache and the
// auto-disable need.
constexpr const char* kV2 = R"sql(
ALTER TABLE organizations ADD COLUMN rules_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN payload TEXT;
ALTER TABLE events ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_rules ADD COLUMN failing_since BIGINT;
CREATE TABLE deliveries (
  id {ID},
  org_id BIGINT NOT NULL,
  rule_id BIGINT NOT NULL,
  event_id BIGINT NOT NULL,
  webhook_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
CREATE INDEX deliveries_rule ON deliveries(rule_id, id);
CREATE TABLE delivery_attempts (
  id {ID},
  delivery_id BIGINT NOT NULL,
  at BIGINT NOT NULL,
  http_status INTEGER,
  duration_ms INTEGER NOT NULL,
  error TEXT,
  response_excerpt TEXT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id, id);
)sql";

// Fair claims walk the pending deliveries rule by rule (webhooks/
// delivery_repository.cc): a partial index holds only what is pending, so
// delivered rows cost nothing there. It replaces the index by due time.
constexpr const char* kV3 = R"sql(
CREATE INDEX deliveries_pending ON deliveries(rule_id, next_attempt_at) WHERE status = 'pending';
DROP INDEX deliveries_due;
)sql";

// A lease names the node holding it: several nodes claim from one database,
// and a node renews or gives back only what it still holds itself.
// Password guesses (domain/login_attempts): in the database, so a brute force
// spread over several nodes is still counted once.
constexpr const char* kV4 = R"sql(
ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
CREATE TABLE login_attempts (
  id {ID},
  subject TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX login_attempts_subject ON login_attempts(subject);
CREATE INDEX login_attempts_at ON login_attempts(at);
)sql";
// PostgreSQL only: a delivery's row is rewritten when it is claimed (the
// lease, no indexed column) and when it is answered. Room left on each page
// lets the first be a HOT update, with no new index entries (measured: the
// claim's UPDATE 4.4 → 2.3 ms per 256 rows, drain +15%). Applies to pages
// written from now on.
constexpr const char* kV4Postgres = R"sql(
ALTER TABLE deliveries SET (fillfactor = 70);
)sql";

// Counters for Connection::NextNumber on SQLite (PostgreSQL makes a
// sequence per counter on first use instead).
constexpr const char* kV5Sqlite = R"sql(
CREATE TABLE counters (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
)sql";

// Retention (webhooks/retention) deletes an event once no delivery refers to
// it, and the delivery log of a lead (its events' deliveries) joins the same way.
constexpr const char* kV6 = R"sql(
CREATE INDEX deliveries_event ON deliveries(event_id);
)sql";

// The deliveries of one lead's events (GET /api/leads/{id}/webhooks): its
// events by lead, only for the events that are about a lead. Lead Docket's
// remaining payload keys: a note's event type; when an opportunity was
// converted or disregarded; the opportunity a lead came from (kept on the
// lead, so its Lead Created payload already has it; earlier conversions are
// linked here, their processed date is unknown).
constexpr const char* kV7 = R"sql(
CREATE INDEX events_lead ON events(lead_id) WHERE lead_id IS NOT NULL;
ALTER TABLE notes ADD COLUMN event_type TEXT;
ALTER TABLE opportunities ADD COLUMN processed_at BIGINT;
ALTER TABLE leads ADD COLUMN opportunity_id BIGINT;
UPDATE leads SET opportunity_id = o.id FROM opportunities o WHERE o.lead_id = leads.id;
)sql";

// In-order delivery per subject (a rule's `ordered`): every delivery names
// its subject ("lead:42") and its place in the rule's sequence for that
// subject, counted in delivery_sequences so that numbers never repeat, even
// after retention deletes old deliveries. A pending delivery of an ordered
// rule waits while an earlier one of its subject is pending (the partial index
// answers that). Deliveries made before have no subject and wait for nothing.
constexpr const char* kV8 = R"sql(
ALTER TABLE webhook_rules ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN subject TEXT;
ALTER TABLE deliveries ADD COLUMN sequence BIGINT;
CREATE TABLE delivery_sequences (
  rule_id BIGINT NOT NULL,
  subject TEXT NOT NULL,
  last BIGINT NOT NULL,
  PRIMARY KEY (rule_id, subject)
);
CREATE INDEX deliveries_subject ON deliveries(rule_id, subject, sequence) WHERE status = 'pending';
)sql";

// An id is never given twice, even after its row is deleted (ids leave the
// process: in the API, in webhooks, in other tables). A new SQLite database
// gets AUTOINCREMENT from its first migration; older ones get it from
// migration 9, so both end with the same schema.
// Parking (webhooks/delivery_repository.h): the deliveries of a rule that may
// not send are kept out of the claims' index by an offset on their
// next_attempt_at, so the claims' walk over rules with work visits only rules
// that can send; the parked ones have an index of their own, so rules that
// may send again are found without reading the others. The claims park what
// was queued before (no bulk rewrite here).
constexpr const char* kV10 = R"sql(
DROP INDEX deliveries_pending;
CREATE INDEX deliveries_pending ON deliveries(rule_id, next_attempt_at)
  WHERE status = 'pending' AND next_attempt_at < 1000000000000000;
CREATE INDEX deliveries_parked ON deliveries(rule_id)
  WHERE status = 'pending' AND next_attempt_at >= 1000000000000000;
)sql";

// Lookup names match case-insensitively (domain/lookups FindLookup): an
// index on the lowered name, so each name in a rule's creation rules is one
// probe, not a scan of the organization's case types.
constexpr const char* kV11 = R"sql(
CREATE INDEX lookups_lower_name ON lookups(org_id, kind, parent_id, lower(name));
)sql";

// An event keeps the trace of the request that caused it (W3C trace id and
// flags), sent on its webhooks as `traceparent`.
constexpr const char* kV12 = R"sql(
ALTER TABLE events ADD COLUMN trace TEXT;
)sql";

// Secrets a rule sends (header values, credentials) and the organization's
// client certificate, each sealed with the node's key (common/secret_box.h);
// beside them what may be shown (names, the certificate's subject). A value
// sealed with the first node's key tells a node started with another key.
constexpr const char* kV13 = R"sql(
ALTER TABLE webhook_rules ADD COLUMN headers TEXT;
ALTER TABLE webhook_rules ADD COLUMN auth TEXT;
ALTER TABLE organizations ADD COLUMN client_certificate TEXT;
ALTER TABLE organizations ADD COLUMN client_certificate_info TEXT;
CREATE TABLE secret_key_check (id BIGINT PRIMARY KEY, sealed TEXT NOT NULL);
)sql";

// Ed25519 signatures (Standard Webhooks "v1a"): whether the organization
// signs with them too, and its keypair (the seed sealed like other secrets,
// the public key shown), the previous one kept through the same grace as
// the previous HMAC key.
constexpr const char* kV15 = R"sql(
ALTER TABLE organizations ADD COLUMN signing TEXT NOT NULL DEFAULT 'hmac';
ALTER TABLE organizations ADD COLUMN ed25519_key TEXT;
ALTER TABLE organizations ADD COLUMN ed25519_public_key TEXT;
ALTER TABLE organizations ADD COLUMN previous_ed25519_key TEXT;
ALTER TABLE organizations ADD COLUMN previous_ed25519_public_key TEXT;
)sql";

// Each rule's attempts by the hour (webhooks/rule_stats.h): what the rule
// list's bars and the Deliveries chart draw, read on the primary key.
constexpr const char* kV16 = R"sql(
CREATE TABLE rule_hourly_stats (
  rule_id BIGINT NOT NULL,
  hour BIGINT NOT NULL,
  shard INTEGER NOT NULL,
  delivered BIGINT NOT NULL DEFAULT 0,
  retrying BIGINT NOT NULL DEFAULT 0,
  failed BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (rule_id, hour, shard)
);
)sql";

// Telling Admins (webhooks/rule_notifications.h): the addresses, when each
// rule last caused an email (one per 24 hours), and the emails to send,
// claimed like deliveries so one node sends each.
constexpr const char* kV17 = R"sql(
ALTER TABLE organizations ADD COLUMN notify_emails TEXT;
ALTER TABLE webhook_rules ADD COLUMN notified_at BIGINT;
ALTER TABLE webhook_rules ADD COLUMN notified_kind TEXT;
CREATE TABLE notifications (
  id {ID},
  org_id BIGINT NOT NULL,
  rule_id BIGINT NOT NULL,
  recipients TEXT NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_owner TEXT,
  lease_until BIGINT NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  sent_at BIGINT
);
CREATE INDEX notifications_due ON notifications(status, next_attempt_at);
CREATE INDEX notifications_org ON notifications(org_id, created_at);
)sql";

std::string Fill(std::string sql, const std::string& dialect) {
  const std::string id = dialect == "postgresql"
                             ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                             : "INTEGER PRIMARY KEY AUTOINCREMENT";
  for (size_t pos; (pos = sql.find("{ID}")) != std::string::npos;) sql.replace(pos, 4, id);
  return sql;
}

}  // namespace

std::vector<Migration> MigrationsFor(const std::string& dialect) {
  return {{1, Fill(kV1, dialect)},
          {2, Fill(kV2, dialect)},
          {3, Fill(kV3, dialect)},
          {4, Fill(kV4, dialect) + (dialect == "postgresql" ? kV4Postgres : "")},
          {5, dialect == "postgresql" ? "" : kV5Sqlite},
          {6, kV6},
          {7, kV7},
          {8, kV8},
          // PostgreSQL's identities never reuse an id.
          {9, "", dialect == "postgresql" ? nullptr : RebuildTablesWithAutoincrement},
          {10, kV10},
          {11, kV11},
          {12, kV12},
          {13, kV13},
          {14, "ALTER TABLE webhook_rules ADD COLUMN payload_template TEXT;"},
          {15, kV15},
          {16, kV16},
          {17, Fill(kV17, dialect)}};
}

Status ApplyMigrations(sql::Connection& c, const std::string& dialect) {
  c.ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at BIGINT NOT NULL)");
  const std::vector<Migration> migrations = MigrationsFor(dialect);
  const int64_t known = migrations.back().version;
  if (auto newest = c.QueryOne("SELECT MAX(version) FROM schema_migrations");
      newest && !newest->IsNull(0) && newest->Int(0) > known)
    return Fail(Error{ErrorKind::kConflict,
                      "schema_too_new",
                      "this database was migrated by a newer Leadwire (schema version " +
                          std::to_string(newest->Int(0)) + "; this binary knows up to " +
                          std::to_string(known) + "): run that release or a later one",
                      {}});
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (const Migration& m : migrations) {
    if (c.QueryOne("SELECT 1 FROM schema_migrations WHERE version = ?", {int64_t(m.version)}))
      continue;
    if (!m.sql.empty()) c.ExecScript(m.sql);  // a migration may be for one backend only
    if (m.code) m.code(c);
    c.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
           {int64_t(m.version), now_ms});
  }
  return {};
}

}  // namespace lw
