// Builds JSON responses, and maps every Error kind to its HTTP status in one
// table (the error format of product spec §2).
#pragma once

#include <boost/json/fwd.hpp>

#include "common/error.h"
#include "http/message.h"

namespace lw::http {

int StatusFor(ErrorKind kind);
// {"error":{"code","message","fields"}} with the mapped status.
Response ErrorResponse(const Error& e);
Response JsonResponse(int status, const boost::json::value& body);
Response NoContent();

}  // namespace lw::http
