// Test databases of either backend: a fresh SQLite file in a temp folder, or
// a fresh database on the throwaway PostgreSQL server scripts/test.sh starts
// (its admin URL in LEADWIRE_TEST_PG). Dropped when the object goes.
#pragma once

#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace lw::testing {

// The backends the store's tests run against.
inline const char* kSqlite = "sqlite";
inline const char* kPostgres = "postgresql";

class TestDatabase {
 public:
  // backend: kSqlite or kPostgres. url() is empty when PostgreSQL was asked
  // for and LEADWIRE_TEST_PG is not set (the test should skip).
  explicit TestDatabase(const std::string& backend) {
    const std::string name =
        "lw_t_" + std::to_string(std::random_device{}()) + std::to_string(std::random_device{}());
    if (backend == kSqlite) {
      dir_ = std::filesystem::temp_directory_path() / name;
      std::filesystem::create_directories(dir_);
      url_ = "sqlite:" + (dir_ / "t.db").string();
      return;
    }
    const char* admin = std::getenv("LEADWIRE_TEST_PG");
    if (!admin || !*admin) return;
    admin_ = admin;
    if (Admin("CREATE DATABASE " + name)) {
      name_ = name;
      url_ = admin_.substr(0, admin_.rfind('/') + 1) + name;
    }
  }
  ~TestDatabase() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    if (!name_.empty()) Admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& url() const { return url_; }

 private:
  bool Admin(const std::string& statement) {
    PGconn* c = PQconnectdb(admin_.c_str());
    bool ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
      PGresult* r = PQexec(c, statement.c_str());
      ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
    }
    PQfinish(c);
    return ok;
  }

  std::filesystem::path dir_;
  std::string admin_, name_, url_;
};

}  // namespace lw::testing
