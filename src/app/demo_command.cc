// leadwire demo: a ready-to-click Leadwire on an embedded SQLite database in
// ./leadwire-demo/, with a demo law firm, its lookups and a few leads. Each run
// prints a fresh Admin password and API token.
#include <boost/json.hpp>
#include <filesystem>
#include <iostream>

#include "app/cli_support.h"
#include "app/commands.h"
#include "app/serve_loop.h"
#include "common/clock.h"
#include "common/secrets.h"
#include "domain/leads.h"
#include "domain/lookups.h"
#include "domain/organizations.h"
#include "domain/users.h"

namespace lw::app {

namespace json = boost::json;

namespace {

constexpr const char* kAdminEmail = "admin@demo-law.example";

// Seeds the demo firm on first run; returns the admin's user id.
Result<int64_t> SeedDemo(sql::Connection& c, int64_t now) {
  if (auto existing =
          c.QueryOne("SELECT id FROM users WHERE email = ?", {std::string(kAdminEmail)}))
    return existing->Int(0);
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

}  // namespace

int RunDemo(const DemoOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (ec)
    return Complain("cannot create " + o.dir + ": " + ec.message() + "; choose another --dir.");
  auto db = OpenOrExplain("sqlite:" + o.dir + "/leadwire.db");
  if (!db) return 1;
  const std::string password = GeneratePassword();
  const std::string hash = secrets::HashPassword(password);
  const int64_t now = SystemClock().NowMs();
  auto token = WriteResult<std::string>(*db, [&](sql::Connection& c) -> Result<std::string> {
    auto admin = SeedDemo(c, now);
    if (!admin) return Fail(admin.error());
    SetPasswordHash(c, *admin, hash);
    return IssueApiToken(c, *admin, now);
  });
  if (!token) return Complain(token.error());
  const std::string banner = "\n  Leadwire demo (data in " + o.dir + "/)\n" +
                             "  Log in:    " + kAdminEmail + " / " + password + "\n" +
                             "  API token: " + *token + "\n" +
                             "  Try:       curl -H 'Authorization: Bearer " + *token + "' http://" +
                             o.listen + "/api/leads\n  Stop:      Ctrl+C\n\n";
  return ServeDatabase(*db, {o.listen, "all", {}, false}, banner);
}

}  // namespace lw::app
