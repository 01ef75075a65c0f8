// Guarded: runs one step of a transaction and turns whatever it throws into
// an error value. A write that throws anything (a DbError, a
// std::out_of_range, a JSON error on a stored value, bad_alloc) must still be
// rolled back and must not leave a backend's writer or connection stranded.
// Used by every backend; any thread.
#pragma once

#include <exception>
#include <string>

#include "common/error.h"
#include "common/log.h"
#include "store/database.h"

namespace lw {

template <typename Fn>
Status Guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const sql::DbError& e) {
    return Fail(ToError(e));
  } catch (const std::exception& e) {
    log::Error(std::string("a database transaction threw: ") + e.what());
    return Fail(Error::Internal(std::string("Unexpected error: ") + e.what()));
  } catch (...) {
    log::Error("a database transaction threw a non-standard exception");
    return Fail(Error::Internal("Unexpected error."));
  }
}

}  // namespace lw
