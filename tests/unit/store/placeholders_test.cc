// The ?→$n rewriter for PostgreSQL: real placeholders are numbered in order;
// question marks in literals, quoted names, comments and dollar-quoted bodies
// are left alone, and so are :: casts.
#include "store/placeholders.h"

#include <gtest/gtest.h>

namespace lw::sql {
namespace {

TEST(Placeholders, NumbersEachPlaceholderInOrder) {
  int n = 0;
  EXPECT_EQ(NumberPlaceholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)", &n),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(NumberPlaceholders("SELECT 1", &n), "SELECT 1");
  EXPECT_EQ(n, 0);
}

TEST(Placeholders, CastsStayCasts) {
  EXPECT_EQ(NumberPlaceholders("SELECT ?::bigint, col::text FROM t WHERE x = ?::json"),
            "SELECT $1::bigint, col::text FROM t WHERE x = $2::json");
}

TEST(Placeholders, QuestionMarksInStringLiteralsAreText) {
  EXPECT_EQ(NumberPlaceholders("SELECT 'why?', ? WHERE note = 'it''s ?' OR x = ?"),
            "SELECT 'why?', $1 WHERE note = 'it''s ?' OR x = $2");
  EXPECT_EQ(NumberPlaceholders("SELECT E'a\\'?', ?"), "SELECT E'a\\'?', $1");
}

TEST(Placeholders, QuotedIdentifiersAreNames) {
  EXPECT_EQ(NumberPlaceholders("SELECT \"odd?name\" FROM t WHERE a = ?"),
            "SELECT \"odd?name\" FROM t WHERE a = $1");
}

TEST(Placeholders, CommentsAreLeftAlone) {
  EXPECT_EQ(NumberPlaceholders("SELECT ? -- really?\nFROM t /* and ? here */ WHERE a = ?"),
            "SELECT $1 -- really?\nFROM t /* and ? here */ WHERE a = $2");
}

TEST(Placeholders, DollarQuotedBodiesAreLeftAlone) {
  EXPECT_EQ(NumberPlaceholders("DO $$ BEGIN PERFORM '?'; END $$; SELECT ?"),
            "DO $$ BEGIN PERFORM '?'; END $$; SELECT $1");
  EXPECT_EQ(NumberPlaceholders("SELECT $tag$ ? $tag$, ?"), "SELECT $tag$ ? $tag$, $1");
}

TEST(Placeholders, AnUnterminatedLiteralRunsToTheEnd) {
  EXPECT_EQ(NumberPlaceholders("SELECT ?, 'open ?"), "SELECT $1, 'open ?");
}

}  // namespace
}  // namespace lw::sql
