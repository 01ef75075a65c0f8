// The API's routes, registered by area. Each Add*Routes function only wires
// paths to domain functions; the behaviour lives in domain/ and webhooks/.
#pragma once

#include "http/router.h"
#include "webhooks/rules_service.h"

namespace lw::http {

void AddSessionRoutes(Router& router);
void AddIntakeRoutes(Router& router);
void AddWebhookRoutes(Router& router, RulePolicy policy);
void AddOpsRoutes(Router& router);
void AddWebRoutes(Router& router);  // the UI's files, from src/web

inline void AddAllRoutes(Router& router, RulePolicy policy) {
  AddSessionRoutes(router);
  AddIntakeRoutes(router);
  AddWebhookRoutes(router, policy);
  AddOpsRoutes(router);
  AddWebRoutes(router);
}

}  // namespace lw::http
