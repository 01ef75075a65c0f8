// A test double: a sql::Connection that forwards to a real one and, just
// before the first statement containing `marker`, runs `hook` on the real
// connection — as another transaction committing between two statements of
// this one would (PostgreSQL's READ COMMITTED allows it).
#pragma once

#include <functional>
#include <string>

#include "store/sql.h"

namespace lw::testing {

class InterposingConnection final : public sql::Connection {
 public:
  InterposingConnection(sql::Connection& real, std::string marker,
                        std::function<void(sql::Connection&)> hook)
      : real_(real), marker_(std::move(marker)), hook_(std::move(hook)) {}

  std::vector<sql::Row> Query(std::string_view sql,
                              std::initializer_list<sql::Value> params) override {
    Before(sql);
    return real_.Query(sql, params);
  }
  std::vector<sql::Row> Query(std::string_view sql,
                              const std::vector<sql::Value>& params) override {
    Before(sql);
    return real_.Query(sql, params);
  }
  int64_t Exec(std::string_view sql, std::initializer_list<sql::Value> params) override {
    Before(sql);
    return real_.Exec(sql, params);
  }
  int64_t Exec(std::string_view sql, const std::vector<sql::Value>& params) override {
    Before(sql);
    return real_.Exec(sql, params);
  }
  void ExecScript(std::string_view sql) override {
    Before(sql);
    real_.ExecScript(sql);
  }
  bool SupportsSkipLocked() const override { return real_.SupportsSkipLocked(); }
  int64_t NextNumber(const std::string& counter, const std::function<int64_t()>& floor) override {
    return real_.NextNumber(counter, floor);
  }

 private:
  void Before(std::string_view sql) {
    if (hook_ && sql.find(marker_) != std::string_view::npos) std::exchange(hook_, {})(real_);
  }

  sql::Connection& real_;
  std::string marker_;
  std::function<void(sql::Connection&)> hook_;
};

}  // namespace lw::testing
