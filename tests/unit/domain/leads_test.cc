// Leads through the store: the list shows each lead with its contact and the
// contact's tags, and runs a fixed number of queries whatever the page size.
#include "domain/leads.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "domain/contacts.h"
#include "domain/organizations.h"
#include "domain/users.h"
#include "store/database.h"
#include "support/counting_connection.h"

namespace lw {
namespace {

namespace json = boost::json;
constexpr int64_t kT0 = 1'700'000'000'000;

class Leads : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("leadwire-leads-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = std::move(*OpenDatabase("sqlite:" + (dir_ / "t.db").string()));
    ASSERT_TRUE(db_->Migrate());
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      const int64_t org = CreateOrganization(c, "Acme", kT0);
      auto user = AddUser(c, org, "a@acme.test", "admin", std::nullopt, kT0);
      if (!user) return Fail(user.error());
      actor_ = Actor{org, user->user_id, "Ann", true, kT0};
      return {};
    }));
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void AddLeads(int n) {
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      for (int i = 0; i < n; ++i) {
        auto lead = CreateLead(
            c, actor_,
            json::object{{"contact", json::object{{"first_name", "P" + std::to_string(i)}}},
                         {"summary", "case " + std::to_string(i)}});
        if (!lead) return Fail(lead.error());
        const int64_t contact = lead->at("contact").at("id").as_int64();
        LW_CHECK(AddTag(c, actor_, contact, json::object{{"tag", "vip"}}));
        LW_CHECK(AddTag(c, actor_, contact, json::object{{"tag", "t" + std::to_string(i)}}));
      }
      return {};
    }));
  }
  // Lists a page through a counting connection: (records, statements run).
  std::pair<json::array, int> List(int64_t limit) {
    std::pair<json::array, int> out;
    EXPECT_TRUE(db_->Read([&](sql::Connection& real) -> Status {
      testing::CountingConnection c(real);
      auto page = ListLeads(c, actor_.org_id, "", "", limit, 0);
      if (!page) return Fail(page.error());
      out = {page->at("records").as_array(), c.statements()};
      return {};
    }));
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
  Actor actor_;
};

TEST_F(Leads, ListingRunsAFixedNumberOfQueries) {
  AddLeads(5);
  const auto [five, few] = List(100);
  ASSERT_EQ(five.size(), 5u);
  AddLeads(95);
  const auto [hundred, many] = List(100);
  ASSERT_EQ(hundred.size(), 100u);
  EXPECT_EQ(many, few) << "queries must not grow with the page";
  EXPECT_LE(many, 4) << "count, page, contacts, tags";
}

TEST_F(Leads, ListedLeadsCarryTheirContactAndTags) {
  AddLeads(3);
  const auto [records, _] = List(10);
  ASSERT_EQ(records.size(), 3u);
  for (const auto& r : records) {
    const auto& lead = r.as_object();
    const auto& contact = lead.at("contact").as_object();
    const std::string i = std::string(contact.at("first_name").as_string()).substr(1);
    EXPECT_EQ(lead.at("summary"), json::value("case " + i));
    EXPECT_EQ(contact.at("tags"), (json::array{"vip", json::value("t" + i)}));
    EXPECT_EQ(lead.at("status"), "New");
    EXPECT_EQ(lead.at("created_by").at("id"), actor_.user_id) << json::serialize(lead);
  }
  // Newest first.
  EXPECT_GT(records[0].at("id").as_int64(), records[2].at("id").as_int64());
}

// A lead's answers are built from fewer reads than GetLead makes (the contact
// in the lead's query; no tags asked of a contact made with the lead): they
// must show the same.
TEST_F(Leads, CreatingAndChangingALeadAnswersWhatReadingItShows) {
  AddLeads(1);  // a contact with tags "vip" and "t0"
  json::value created, again, changed;
  int64_t contact = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    contact = c.QueryOne("SELECT id FROM contacts")->Int(0);
    auto fresh = CreateLead(
        c, actor_,
        json::object{{"contact", json::object{{"first_name", "Nia"}, {"email", "n@x.test"}}},
                     {"summary", "new"}});
    if (!fresh) return Fail(fresh.error());
    created = *fresh;
    auto known = CreateLead(c, actor_, json::object{{"contact", json::object{{"id", contact}}}});
    if (!known) return Fail(known.error());
    again = *known;
    auto moved =
        ChangeLeadStatus(c, actor_, again.at("id").as_int64(),
                         json::object{{"status", "Chase"}, {"substatus", "First Attempt"}});
    if (!moved) return Fail(moved.error());
    changed = *moved;
    return {};
  }));
  auto read = [&](const json::value& lead) {
    json::value out;
    EXPECT_TRUE(db_->Read([&](sql::Connection& c) -> Status {
      auto got = GetLead(c, actor_.org_id, lead.at("id").as_int64());
      if (!got) return Fail(got.error());
      out = *got;
      return {};
    }));
    return out;
  };
  EXPECT_EQ(created, read(created));
  // GetLead reads the contact as the lead's answers do; GetContact reads it
  // on its own, as before: the two must agree.
  ASSERT_TRUE(db_->Read([&](sql::Connection& c) -> Status {
    for (const json::value* lead : {&created, &again, &changed}) {
      auto contact = GetContact(c, actor_.org_id, lead->at("contact").at("id").as_int64());
      if (!contact) return Fail(contact.error());
      EXPECT_EQ(lead->at("contact"), *contact);
    }
    return {};
  }));
  EXPECT_EQ(created.at("contact").at("tags"), json::array());
  EXPECT_EQ(created.at("contact").at("created_by").at("id"), actor_.user_id);
  EXPECT_EQ(again.at("contact").at("tags"), (json::array{"vip", "t0"})) << "a known contact's tags";
  EXPECT_EQ(changed, read(changed));
  EXPECT_EQ(changed.at("contact").at("tags"), (json::array{"vip", "t0"}));
}

// Codes were once made from the global lead id. An organization that has such
// leads continues above its highest code, so no code repeats within it.
TEST_F(Leads, CodesContinueAboveTheOnesLeadsGotBeforeCodesWerePerOrganization) {
  AddLeads(2);
  std::string code;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    // As an older version left it: codes from ids, and no counter yet.
    c.Exec("UPDATE leads SET id = id + 40, code = 'L0000' || (id + 40)");
    c.Exec("DELETE FROM counters");
    auto lead = CreateLead(c, actor_, json::object{{"contact", json::object{{"first_name", "N"}}}});
    if (!lead) return Fail(lead.error());
    code = lead->at("code").as_string().c_str();
    return {};
  }));
  EXPECT_EQ(code, "L000043");
}

}  // namespace
}  // namespace lw
