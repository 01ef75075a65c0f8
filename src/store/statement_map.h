// StatementMap: a backend's prepared statements by their SQL text, found by
// string_view, so running a cached statement copies no SQL. Not thread-safe
// (each connection has its own).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

namespace lw::sql {

struct TextHash : std::hash<std::string_view> {
  using is_transparent = void;
};

template <typename Statement>
using StatementMap = std::unordered_map<std::string, Statement, TextHash, std::equal_to<>>;

}  // namespace lw::sql
