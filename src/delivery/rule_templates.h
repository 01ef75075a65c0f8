// RuleTemplates: the bodies of rules with a payload template — each rule's
// template parsed once (again when it changes), each event's payload filled
// into it. Rules without one send the payload as stored, untouched. The
// dispatcher's thread only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/error.h"
#include "webhooks/delivery_repository.h"
#include "webhooks/payload_template.h"

namespace lw {

class RuleTemplates {
 public:
  // What to send for `d`; an error (the result over 256 KiB, or what is
  // stored unreadable) fails its attempt with the error's words.
  Result<std::string> BodyFor(const deliveries::Claimed& d, int64_t now);
  // Forgets what has not been used for ten minutes (rules come and go).
  void Prune(int64_t now);

 private:
  struct ForRule {
    std::string text;  // as stored: the cache key
    std::optional<PayloadTemplate> parsed;
    int64_t used_at = 0;
  };
  std::map<int64_t, ForRule> rules_;
};

}  // namespace lw
