#include "store/sql.h"

#include <algorithm>
#include <iterator>

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

std::string LikeContaining(std::string_view text) {
  std::string out = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "%";
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

std::optional<Row> Connection::QueryOneOnce(std::string_view sql,
                                            std::initializer_list<Value> params) {
  std::string key(sql);
  for (const Value& v : params) {
    key += '\0';
    if (const auto* i = std::get_if<int64_t>(&v))
      key += std::to_string(*i);
    else if (const auto* text = std::get_if<std::string>(&v))
      key += 's' + *text;
    else if (const auto* d = std::get_if<double>(&v))
      key += 'd' + std::to_string(*d);
    else
      key += 'n';
  }
  for (const auto& [asked, answer] : reads_once_)
    if (asked == key) return answer;
  auto answer = QueryOne(sql, params);
  reads_once_.emplace_back(std::move(key), answer);
  return answer;
}

int64_t Connection::InsertId(std::string_view sql, std::initializer_list<Value> params) {
  auto rows = Query(sql, params);
  if (rows.empty()) throw DbError(DbError::Kind::kOther, "INSERT … RETURNING gave no row");
  return rows.front().Int(0);
}

namespace {
constexpr size_t kIdsPerRun = 256;
constexpr std::string_view kIdsMarker = "(@ids)";
}  // namespace

template <typename Run>
void Connection::ForIdChunks(std::string_view sql, const std::vector<Value>& leading,
                             const std::vector<int64_t>& ids, Run&& run) {
  const size_t at = sql.find(kIdsMarker);
  if (at == std::string_view::npos)
    throw DbError(DbError::Kind::kOther, "QueryIn/ExecIn: the statement has no (@ids)");
  for (size_t start = 0; start < ids.size(); start += kIdsPerRun) {
    const size_t n = std::min(kIdsPerRun, ids.size() - start);
    const size_t slots = std::max(n, IdListSlots(n));
    std::string text(sql.substr(0, at));
    text += '(';
    for (size_t i = 0; i < slots; ++i) text += i ? ",?" : "?";
    text += ')';
    text += sql.substr(at + kIdsMarker.size());
    std::vector<Value> params = leading;
    params.reserve(leading.size() + slots);
    for (size_t i = 0; i < slots; ++i) params.emplace_back(ids[start + std::min(i, n - 1)]);
    run(text, params);
  }
}

std::vector<Row> Connection::QueryIn(std::string_view sql, const std::vector<Value>& leading,
                                     const std::vector<int64_t>& ids) {
  std::vector<Row> rows;
  ForIdChunks(sql, leading, ids, [&](const std::string& text, const std::vector<Value>& params) {
    auto part = Query(text, params);
    rows.insert(rows.end(), std::make_move_iterator(part.begin()),
                std::make_move_iterator(part.end()));
  });
  return rows;
}

int64_t Connection::ExecIn(std::string_view sql, const std::vector<Value>& leading,
                           const std::vector<int64_t>& ids) {
  int64_t changed = 0;
  ForIdChunks(sql, leading, ids, [&](const std::string& text, const std::vector<Value>& params) {
    changed += Exec(text, params);
  });
  return changed;
}

void Connection::DeferIn(std::string_view sql, const std::vector<Value>& leading,
                         const std::vector<int64_t>& ids) {
  ForIdChunks(sql, leading, ids, [&](const std::string& text, const std::vector<Value>& params) {
    Defer(text, params);
  });
}

}  // namespace lw::sql
