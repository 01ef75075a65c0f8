// Password guesses on both stores: ten per key in any 15 minutes, counted
// before the hash, and guesses sent at once from many threads (on PostgreSQL
// through separate connections, as from several nodes) cannot exceed it.
#include "domain/login_attempts.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/backend_test.h"

namespace lw {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

class LoginAttempts : public testing::BackendTest {
 protected:
  // One login's reservation, as the route makes it: both keys or neither.
  std::optional<std::vector<int64_t>> Reserve(const std::string& email, const std::string& addr,
                                              int64_t now) {
    std::optional<std::vector<int64_t>> out;
    auto st = db_->Write([&](sql::Connection& c) -> Status {
      out = login_attempts::Reserve(c, {"email:" + email, "addr:" + addr}, now);
      if (!out) return Fail(Error{ErrorKind::kTooManyRequests, "too_many_requests", "", {}});
      return {};
    });
    EXPECT_EQ(bool(st), bool(out));
    return out;
  }
};

TEST_P(LoginAttempts, TenGuessesPerEmailAndPerAddressInFifteenMinutes) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Reserve("a@x.test", "10.0.0." + std::to_string(i), kT0));
  EXPECT_FALSE(Reserve("a@x.test", "10.0.0.99", kT0 + 1)) << "the email has used its ten";
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(Reserve("u" + std::to_string(i) + "@x.test", "10.1.1.1", kT0));
  EXPECT_FALSE(Reserve("fresh@x.test", "10.1.1.1", kT0 + 1)) << "the address has used its ten";
  EXPECT_TRUE(Reserve("fresh@x.test", "10.2.2.2", kT0 + 1)) << "a refused guess reserved nothing";
  EXPECT_TRUE(Reserve("a@x.test", "10.0.0.99", kT0 + login_attempts::kWindowMs + 1))
      << "old guesses stop counting";
}

TEST_P(LoginAttempts, ASuccessfulLoginClearsItsEmailAndItsOwnReservation) {
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(Reserve("a@x.test", "10.0.0.1", kT0));
  auto mine = Reserve("a@x.test", "10.0.0.1", kT0);
  ASSERT_TRUE(mine);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    login_attempts::Forgive(c, *mine, "email:a@x.test");
    return {};
  }));
  // The address keeps its nine earlier failures: one guess left there.
  EXPECT_TRUE(Reserve("a@x.test", "10.0.0.1", kT0 + 1));
  EXPECT_FALSE(Reserve("a@x.test", "10.0.0.1", kT0 + 2));
}

TEST_P(LoginAttempts, GuessesSentAtOnceStillGetTen) {
  std::atomic<int> reserved{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i)
        if (Reserve("target@x.test", "10.9.9.9", kT0)) ++reserved;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(reserved, login_attempts::kMaxGuesses);
}

INSTANTIATE_TEST_SUITE_P(Backends, LoginAttempts, testing::kBothBackends, testing::BackendName);

}  // namespace
}  // namespace lw
