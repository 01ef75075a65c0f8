// The session cookie: its name and attributes (HttpOnly, SameSite=Strict),
// and reading it back from a Cookie header.
#pragma once

#include <string>

namespace lw::http {

inline constexpr const char* kSessionCookie = "lw_session";

std::string SessionFromCookie(const std::string& cookie_header);
// secure: the browser reached us over HTTPS (a TLS proxy says so with
// X-Forwarded-Proto), so the cookie must never travel over plain HTTP.
std::string SessionSetCookie(const std::string& token, int64_t max_age_s, bool secure);
std::string SessionClearCookie();

}  // namespace lw::http
