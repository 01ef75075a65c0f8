// OAuth2Tokens: a node's OAuth2 access tokens (client-credentials grant),
// one per OAuth2Client::key, shared by every transport thread, so many
// deliveries cost one token request per token lifetime. A token is used until
// 60 s before it expires (half its life when that is shorter than two
// minutes), dropped when a receiver refuses it (401; at most once per 10 s,
// so a receiver that refuses every token does not cost one per webhook), and
// a failure to get one stands for a few seconds, so a token endpoint that is
// down is asked once per few seconds, not once per webhook. Any thread.
// The token request and its answer are made and read by the pure functions
// below; the transport sends it.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/error.h"
#include "delivery/delivery_job.h"

namespace lw {

struct OAuth2Token {
  std::string access_token;
  int64_t expires_in_s = 0;  // 0: the answer did not say
};

// The form body of a client-credentials token request (RFC 6749 §4.4).
std::string TokenRequestBody(const OAuth2Client& c);
// The Authorization header value the client authenticates with (HTTP Basic
// over the form-encoded id and secret, RFC 6749 §2.3.1).
std::string TokenRequestAuthorization(const OAuth2Client& c);
// The token in a token endpoint's answer; the error says what is wrong with
// it in words for the delivery log ("the token endpoint answered 401: …").
Result<OAuth2Token> ParseTokenAnswer(int http_status, const std::string& body);

class OAuth2Tokens {
 public:
  using Clock = std::chrono::steady_clock;
  // A token failure stands this long before the endpoint is asked again.
  static constexpr auto kFailureHold = std::chrono::seconds(5);
  static constexpr auto kLifetimeUnknown = std::chrono::minutes(10);
  static constexpr auto kRefreshEvery = std::chrono::seconds(10);

  enum class Step {
    kUse,    // `text` is the token
    kFetch,  // the caller fetches it, then calls Fetched or Abandoned
    kWait,   // another thread is fetching it: ask again shortly
    kFail,   // a recent failure stands: `text` says what it was
  };
  struct Next {
    Step step;
    std::string text;
  };
  Next Take(const std::string& key, Clock::time_point now);
  // The fetch's outcome, for every Take after it.
  void Fetched(const std::string& key, const Result<OAuth2Token>& token, Clock::time_point now);
  // The fetch ended without an outcome (the node stops, no socket was free).
  void Abandoned(const std::string& key);
  // A receiver refused `token`. True: send again with the token Take gives
  // next (a new one is fetched, or one has replaced it already: many
  // deliveries refused at once refresh once). False: a refusal dropped a
  // token less than kRefreshEvery ago; the 401 stands.
  bool Refused(const std::string& key, const std::string& token, Clock::time_point now);

  // Tokens fetched since start (successes and failures), for /metrics and tests.
  uint64_t requests() const;

 private:
  struct Entry {
    std::string token;  // empty: none
    Clock::time_point use_until{};
    std::string failure;  // while failed_until is ahead
    Clock::time_point failed_until{};
    bool fetching = false;
    std::optional<Clock::time_point> refreshed_at;  // when a refusal last dropped a token
  };
  void PruneLocked(Clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  uint64_t requests_ = 0;
};

}  // namespace lw
