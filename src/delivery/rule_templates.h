// RuleTemplates: the payload templates of the rules being sent — each
// parsed once (again when it changes) and shared with the jobs, which the
// transport fills (delivery/signed_job.h). Rules without one send the
// payload as stored, untouched. The dispatcher's thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/error.h"
#include "webhooks/delivery_repository.h"
#include "webhooks/payload_template.h"

namespace lw {

class RuleTemplates {
 public:
  // The template of `d`'s rule, or null when it has none; an error (what is
  // stored cannot be read) fails its attempt with the error's words.
  Result<std::shared_ptr<const PayloadTemplate>> For(const deliveries::Claimed& d, int64_t now);
  // Forgets what has not been used for ten minutes (rules come and go).
  void Prune(int64_t now);

 private:
  struct ForRule {
    std::string text;  // as stored: the cache key
    std::shared_ptr<const PayloadTemplate> parsed;
    int64_t used_at = 0;
  };
  std::map<int64_t, ForRule> rules_;
};

}  // namespace lw
