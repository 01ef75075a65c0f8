// WebhookReceiver: what `leadwire receive` and the demo run to show webhooks
// arriving. Each POST is checked against the signatures it has keys for —
// with the authentication key (whsec_…) Standard Webhooks' "v1" and
// X-Leadwire-Signature, with the public key (whpk_…) the Ed25519 "v1a" —
// within a 5-minute timestamp tolerance, printed, and answered 204 when
// valid or 401 when not. Handle() is thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>

#include "common/clock.h"
#include "http/message.h"

namespace lw::app {

class WebhookReceiver {
 public:
  WebhookReceiver(std::string key, std::ostream& out, const Clock& clock,
                  std::string public_key = "")
      : key_(std::move(key)), public_key_(std::move(public_key)), out_(out), clock_(clock) {}

  http::Response Handle(const http::Request& req);
  void SetKey(std::string key);
  int64_t valid() const { return valid_; }
  int64_t invalid() const { return invalid_; }
  // Called after an invalid webhook was answered (the strict mode stops on it).
  std::function<void()> on_invalid;

 private:
  std::string key_;
  const std::string public_key_;
  std::ostream& out_;
  const Clock& clock_;
  std::mutex mutex_;
  std::atomic<int64_t> valid_{0}, invalid_{0};
};

}  // namespace lw::app
