// --db URLs: which backend, which file, and the errors a person can act on.
#include "store/database_url.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

TEST(DatabaseUrl, SqliteNamesAFileInAnExistingFolder) {
  auto u = ParseDatabaseUrl("sqlite:./leadwire.db");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->backend, DatabaseUrl::Backend::kSqlite);
  EXPECT_EQ(u->sqlite_path, "./leadwire.db");
  EXPECT_TRUE(ParseDatabaseUrl("sqlite:plain.db"));
}

TEST(DatabaseUrl, PostgresUrlsArePassedOnWhole) {
  for (const std::string url :
       {"postgresql://u:p@127.0.0.1:5432/lw?sslmode=disable", "postgres://localhost/lw"}) {
    auto u = ParseDatabaseUrl(url);
    ASSERT_TRUE(u) << url;
    EXPECT_EQ(u->backend, DatabaseUrl::Backend::kPostgres);
    EXPECT_EQ(u->conninfo, url);
  }
}

TEST(DatabaseUrl, BadUrlsSayWhatToWrite) {
  for (const std::string url : {"mysql://x", "leadwire.db", "sqlite:", ""}) {
    auto u = ParseDatabaseUrl(url);
    ASSERT_FALSE(u) << url;
    EXPECT_EQ(u.error().code, "bad_database_url");
  }
  auto missing = ParseDatabaseUrl("sqlite:/no/such/folder/x.db");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace lw
