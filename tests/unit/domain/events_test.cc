// Events are written whether or not a sink wants them: the sink that sends
// one writes it with its payload and gets the id its deliveries refer to;
// the others are written after the sink, in the order they happened.
#include "domain/events.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "domain/triggers.h"
#include "store/database.h"

namespace lw {
namespace {

// Sends only Lead Created, as a rule on that trigger would.
class SendsLeadCreated final : public EventSink {
 public:
  void OnEvent(sql::Connection&, const Actor&, const RecordedEvent& event) override {
    if (event.trigger_id != trigger::kLeadCreated) return;
    written_id = event.Write("{\"sent\":true}");
    EXPECT_THROW(event.Write("again"), sql::DbError) << "one row per event";
  }
  int64_t written_id = 0;
};

TEST(Events, EachEventIsWrittenOnceInOrderWithThePayloadOfThoseSent) {
  const auto dir = std::filesystem::temp_directory_path() / "leadwire-events-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto db = std::move(*OpenDatabase("sqlite:" + (dir / "t.db").string()));
  ASSERT_TRUE(db->Migrate());
  SendsLeadCreated sink;
  // Uninstalled however the test ends: the sink lives on this stack.
  struct Installed {
    explicit Installed(EventSink* sink) { InstallEventSink(sink); }
    ~Installed() { InstallEventSink(nullptr); }
  } installed(&sink);
  ASSERT_TRUE(db->Write([&](sql::Connection& c) -> Status {
    c.Exec("INSERT INTO organizations (name, webhook_key, created_at) VALUES ('o', 'k', 0)");
    const Actor actor{c.QueryOne("SELECT id FROM organizations")->Int(0), 0, "", true, 1};
    RecordEvent(c, actor, trigger::kContactAdded, {.contact_id = 7, .subject_id = 7});
    RecordEvent(c, actor, trigger::kLeadCreated, {.lead_id = 8, .subject_id = 8});
    RecordEvent(c, actor, trigger::kNoteAdded, {.lead_id = 8, .subject_id = 9});
    return {};
  }));
  std::vector<std::tuple<int64_t, int64_t, std::optional<std::string>>> rows;
  ASSERT_TRUE(db->Read([&](sql::Connection& c) -> Status {
    for (const auto& r : c.Query("SELECT id, trigger_id, payload FROM events ORDER BY id"))
      rows.emplace_back(r.Int(0), r.Int(1), r.OptText(2));
    return {};
  }));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(std::get<1>(rows[0]), trigger::kContactAdded);
  EXPECT_EQ(std::get<2>(rows[0]), std::nullopt);
  EXPECT_EQ(std::get<0>(rows[1]), sink.written_id);
  EXPECT_EQ(std::get<1>(rows[1]), trigger::kLeadCreated);
  EXPECT_EQ(std::get<2>(rows[1]), "{\"sent\":true}");
  EXPECT_EQ(std::get<1>(rows[2]), trigger::kNoteAdded);
  db.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lw
