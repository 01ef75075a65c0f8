// A test double: a sql::Connection that forwards to a real one and counts the
// statements run through it, so a test can assert that a listing runs a fixed
// number of queries, not one or more per row.
#pragma once

#include "store/sql.h"

namespace lw::testing {

class CountingConnection final : public sql::Connection {
 public:
  explicit CountingConnection(sql::Connection& real) : real_(real) {}
  int statements() const { return statements_; }

  std::vector<sql::Row> Query(std::string_view sql,
                              std::initializer_list<sql::Value> params) override {
    ++statements_;
    return real_.Query(sql, params);
  }
  std::vector<sql::Row> Query(std::string_view sql,
                              const std::vector<sql::Value>& params) override {
    ++statements_;
    return real_.Query(sql, params);
  }
  int64_t Exec(std::string_view sql, std::initializer_list<sql::Value> params) override {
    ++statements_;
    return real_.Exec(sql, params);
  }
  int64_t Exec(std::string_view sql, const std::vector<sql::Value>& params) override {
    ++statements_;
    return real_.Exec(sql, params);
  }
  void ExecScript(std::string_view sql) override {
    ++statements_;
    real_.ExecScript(sql);
  }
  bool SupportsSkipLocked() const override { return real_.SupportsSkipLocked(); }
  int64_t NextNumber(const std::string& counter, const std::function<int64_t()>& floor) override {
    ++statements_;
    return real_.NextNumber(counter, floor);
  }

 private:
  sql::Connection& real_;
  int statements_ = 0;
};

}  // namespace lw::testing
