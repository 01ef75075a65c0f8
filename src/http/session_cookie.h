// The session cookie: its name and attributes (HttpOnly, SameSite=Strict),
// and reading it back from a Cookie header.
#pragma once

#include <string>

namespace lw::http {

inline constexpr const char* kSessionCookie = "lw_session";

std::string SessionFromCookie(const std::string& cookie_header);
std::string SessionSetCookie(const std::string& token, int64_t max_age_s);
std::string SessionClearCookie();

}  // namespace lw::http
