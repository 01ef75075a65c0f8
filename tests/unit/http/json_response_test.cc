// The §2 error format stays valid JSON whatever the request held.
#include "http/json_response.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace lw::http {
namespace {

// Found by fuzz/fuzz_http_routing: a path of bytes that are not UTF-8 was
// quoted in the 404's message, and the answer was not valid JSON.
TEST(ErrorResponse, QuotedBytesThatAreNotUtf8StayValidJson) {
  const Response res =
      ErrorResponse(Error::NotFound(std::string("No such endpoint: /\xff\xff") + '\0' + "x."));
  boost::system::error_code ec;
  const auto body = boost::json::parse(res.body, ec);
  ASSERT_FALSE(ec) << res.body;
  const std::string message(body.at("error").at("message").as_string());
  EXPECT_EQ(message, "No such endpoint: /\uFFFD\uFFFD\uFFFDx.");
  EXPECT_EQ(res.status, 404);
}

}  // namespace
}  // namespace lw::http
