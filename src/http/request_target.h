// The request target ("/api/leads?q=Ann%20Lee") as the router reads it: the
// decoded path ("/" when empty) and the decoded query parameters. A target
// that is not in origin form is kept whole as the path, which then matches no
// route (404). Pure; any thread.
#pragma once

#include <string_view>

#include "http/message.h"

namespace lw::http {

// Sets req.target, req.path and req.query from `target`.
void ParseTarget(std::string_view target, Request& req);

}  // namespace lw::http
