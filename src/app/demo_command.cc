// leadwire demo: a ready-to-click Leadwire on an embedded SQLite database in
// ./leadwire-demo/, with a demo law firm, its lookups and a few leads. Each run
// prints a fresh Admin password and API token.
#include <boost/json.hpp>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app/cli_support.h"
#include "app/commands.h"
#include "app/serve_loop.h"
#include "app/webhook_receiver.h"
#include "common/clock.h"
#include "common/secrets.h"
#include "domain/leads.h"
#include "domain/lookups.h"
#include "domain/organizations.h"
#include "domain/users.h"
#include "http/server.h"
#include "webhooks/rules_service.h"
#include "webhooks/webhook_settings.h"

namespace lw::app {

namespace json = boost::json;

namespace {

constexpr const char* kAdminEmail = "admin@demo-law.example";

// Seeds the demo firm on first run; returns the admin's user id.
Result<int64_t> SeedDemo(sql::Connection& c, int64_t now) {
  if (auto existing = FindLogin(c, kAdminEmail)) return existing->who.user_id;
  const int64_t org = CreateOrganization(c, "Demo Law Firm", now);
  auto admin = AddUser(c, org, kAdminEmail, "admin", std::nullopt, now);
  if (!admin) return Fail(admin.error());
  const std::pair<const char*, std::vector<const char*>> lookups[] = {
      {lookup_kind::kCaseType,
       {"Auto Accident", "Slip and Fall", "Medical Malpractice", "Workers Compensation",
        "Dog Bite"}},
      {lookup_kind::kOffice, {"Downtown", "Uptown", "Riverside"}},
      {lookup_kind::kMarketingSource, {"Google Ads", "Television", "Billboard", "Referral"}},
      {lookup_kind::kOpportunitySource, {"Web Form", "Phone Call", "Live Chat"}},
  };
  for (const auto& [kind, names] : lookups)
    for (const char* name : names) (void)AddLookup(c, org, kind, name);
  const Actor actor{org, admin->user_id, "Admin", true, now};
  const char* leads[] = {
      R"({"contact":{"first_name":"Maria","last_name":"Alvarez","email":"maria.alvarez@example.com","mobile_phone":"+1 555 0101"},
          "case_type":"Auto Accident","office":"Downtown","marketing_source":"Google Ads",
          "opportunity_source":"Web Form","summary":"Rear-ended at a red light on 5th Street.",
          "custom_fields":{"Police Report Number":"PR-2291"}})",
      R"({"contact":{"first_name":"James","last_name":"Okafor","email":"j.okafor@example.com"},
          "status":"Under Review","case_type":"Slip and Fall","office":"Uptown",
          "marketing_source":"Television","summary":"Fell on a wet floor in a grocery store."})",
      R"({"contact":{"first_name":"Lena","last_name":"Fischer","mobile_phone":"+1 555 0103"},
          "status":"Chase","substatus":"First Attempt","case_type":"Medical Malpractice",
          "office":"Riverside","marketing_source":"Referral","case_tracker_code":"CT-1007"})",
  };
  for (const char* lead : leads) {
    auto created = CreateLead(c, actor, json::parse(lead).as_object());
    if (!created) return Fail(created.error());
  }
  return admin->user_id;
}

// Points the demo's rules at the receiver (its port changes every run) and
// turns webhooks on. Returns the organization's key, for the receiver.
Result<std::string> WireDemoRules(sql::Connection& c, const Actor& admin, const std::string& url) {
  auto enabled = UpdateWebhookSettings(c, admin, json::object{{"enabled", true}});
  if (!enabled) return Fail(enabled.error());
  const std::pair<const char*, const char*> rules[] = {
      {"Demo receiver: new leads", "Lead Created"},
      {"Demo receiver: status changes", "Lead Status Changed"},
  };
  for (const auto& [title, trigger] : rules) {
    json::object body{{"title", title}, {"enabled", true}, {"url", url}, {"trigger", trigger}};
    auto existing = FindRuleByTitle(c, admin.org_id, title);
    auto done = existing ? UpdateRule(c, admin, *existing, body) : CreateRule(c, admin, body);
    if (!done) return Fail(done.error());
  }
  return LoadWebhookSettings(c, admin.org_id).key;
}

}  // namespace

int RunDemo(const DemoOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (ec)
    return Complain("cannot create " + o.dir + ": " + ec.message() + "; choose another --dir.");
  const std::string db_url = "sqlite:" + o.dir + "/leadwire.db";
  if (auto made = EnsureSecretKeyFile(db_url, ""); !made)
    return Complain(made.error().message + ".");
  auto db = OpenOrExplain(db_url);
  if (!db) return 1;
  auto secrets = OpenSecretKey(*db, db_url, "");
  if (!secrets) return 1;
  const std::string password = GeneratePassword();
  const std::string hash = secrets::HashPassword(password);
  SystemClock clock;
  const int64_t now = clock.NowMs();

  // The local receiver: prints each webhook with its signatures checked.
  WebhookReceiver receiver("", std::cout, clock);
  http::Server receiver_server([&receiver](const http::Request& r) { return receiver.Handle(r); },
                               {"127.0.0.1", 0, 1, 2});
  auto receiver_port = receiver_server.Listen();
  if (!receiver_port)
    return Complain("cannot start the demo's receiver: " + receiver_port.error().message);
  const std::string receiver_url =
      "http://127.0.0.1:" + std::to_string(*receiver_port) + "/webhooks";

  Actor admin;
  std::string token;
  auto st = db->Write([&](sql::Connection& c) -> Status {
    auto admin_id = SeedDemo(c, now);
    if (!admin_id) return Fail(admin_id.error());
    SetPasswordHash(c, *admin_id, hash);
    token = IssueApiToken(c, *admin_id, now);
    const auto who = FindLogin(c, kAdminEmail)->who;
    admin = Actor{who.org_id, who.user_id, who.name, true, now};
    auto key = WireDemoRules(c, admin, receiver_url);
    if (!key) return Fail(key.error());
    receiver.SetKey(*key);
    return {};
  });
  if (!st) return Complain(st.error());
  std::thread receiver_thread([&] { receiver_server.Run(); });

  const std::string banner =
      "\n  Leadwire demo (data in " + o.dir + "/)\n" + "  Open:      http://" + o.listen +
      "/ in a browser\n" + "  Log in:    " + kAdminEmail + " / " + password + "\n" +
      "  API token: " + token + "\n" + "  Receiver:  " + receiver_url +
      " (webhooks are printed below, signatures checked)\n" +
      "  Try:       curl -H 'Authorization: Bearer " + token +
      "' -H 'Content-Type: application/json' -d '{\"contact\":{\"first_name\":\"Ada\"}}' http://" +
      o.listen + "/api/leads\n  Stop:      Ctrl+C\n\n";
  NodeConfig config;
  config.listen = o.listen;
  config.allow_destinations = {*Cidr::Parse("127.0.0.1/32")};
  config.secrets = secrets;
  const int code = ServeDatabase(*db, config, banner, [&] {
    // A first lead, so a signed webhook arrives within seconds of starting.
    auto lead = WriteResult<json::value>(*db, [&](sql::Connection& c) {
      Actor now_admin = admin;
      now_admin.now_ms = clock.NowMs();
      return CreateLead(
          c, now_admin,
          json::parse(
              R"({"contact":{"first_name":"Demo","last_name":"Visitor","email":"visitor@example.com"},"case_type":"Dog Bite","office":"Downtown","summary":"Created by leadwire demo at start-up."})")
              .as_object());
    });
    if (!lead) Complain(lead.error());
  });
  receiver_server.Stop();
  receiver_thread.join();
  return code;
}

}  // namespace lw::app
