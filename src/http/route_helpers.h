// Small adapters that turn "a function of a transaction" into a route handler,
// so each route says only what it does: which transaction, which status.
#pragma once

#include <boost/json/fwd.hpp>
#include <functional>

#include "http/router.h"

namespace lw::http {

using TxHandler = std::function<Result<boost::json::value>(sql::Connection&, RequestContext&)>;

// Runs `fn` in a write transaction; answers `status` with its JSON.
Handler Writes(const Router& router, int status, TxHandler fn);
// Runs `fn` in a read transaction; answers 200 with its JSON.
Handler Reads(const Router& router, TxHandler fn);

struct Paging {
  int64_t limit = 100;
  int64_t offset = 0;
};
// ?limit= (1–1000, default 100) and ?offset= (default 0); 422 when malformed.
Result<Paging> ReadPaging(const Request& req);

}  // namespace lw::http
