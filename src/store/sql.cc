#include "store/sql.h"

namespace lw::sql {

int64_t Row::Int(size_t i) const {
  const Value& v = cells_.at(i);
  if (auto* p = std::get_if<int64_t>(&v)) return *p;
  if (auto* d = std::get_if<double>(&v)) return int64_t(*d);
  if (auto* s = std::get_if<std::string>(&v)) return std::stoll(*s);
  return 0;
}

const std::string& Row::Text(size_t i) const {
  static const std::string kEmpty;
  const Value& v = cells_.at(i);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return kEmpty;
}

std::optional<int64_t> Row::OptInt(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

std::optional<std::string> Row::OptText(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Text(i);
}

std::optional<Row> Connection::QueryOne(std::string_view sql, std::initializer_list<Value> params) {
  auto rows = Query(sql, params);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

int64_t Connection::InsertId(std::string_view sql, std::initializer_list<Value> params) {
  auto rows = Query(sql, params);
  if (rows.empty()) throw DbError(DbError::Kind::kOther, "INSERT … RETURNING gave no row");
  return rows.front().Int(0);
}

}  // namespace lw::sql
