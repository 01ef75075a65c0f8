// Placeholders: statements are written with `?` (SQLite's form); PostgreSQL
// wants $1, $2, …. NumberPlaceholders rewrites one into the other, leaving
// alone what only looks like a placeholder: a `?` inside a string literal, a
// quoted identifier, a comment or a dollar-quoted body. Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace lw::sql {

// "SELECT ? WHERE a = ?" -> "SELECT $1 WHERE a = $2". `count`, if given,
// receives the number of placeholders found.
std::string NumberPlaceholders(std::string_view sql, int* count = nullptr);

}  // namespace lw::sql
