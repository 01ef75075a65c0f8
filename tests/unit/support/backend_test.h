// A test run against each store backend (its parameter: kSqlite or kPostgres)
// on a fresh, migrated database in db_; skipped on PostgreSQL when the test
// command started none (LEADWIRE_TEST_PG unset).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/database.h"
#include "support/test_databases.h"

namespace lw::testing {

class BackendTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<TestDatabase>(GetParam());
    if (test_db_->url().empty())
      GTEST_SKIP() << "no PostgreSQL: set LEADWIRE_TEST_PG (scripts/test.sh does)";
    auto db = OpenDatabase(test_db_->url());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate());
  }
  void TearDown() override {
    db_.reset();
    test_db_.reset();
  }

  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<Database> db_;
};

// For INSTANTIATE_TEST_SUITE_P(Backends, Fixture, kBothBackends, BackendName).
inline const auto kBothBackends = ::testing::Values(kSqlite, kPostgres);
inline std::string BackendName(const ::testing::TestParamInfo<const char*>& info) {
  return info.param;
}

}  // namespace lw::testing
