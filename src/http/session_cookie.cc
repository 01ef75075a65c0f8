#include "http/session_cookie.h"

#include <cstdint>

#include "common/json_fields.h"

namespace lw::http {

std::string SessionFromCookie(const std::string& header) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    const std::string pair = Trim(std::string_view(header).substr(pos, end - pos));
    const size_t eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == kSessionCookie) return pair.substr(eq + 1);
    pos = end + 1;
  }
  return {};
}

std::string SessionSetCookie(const std::string& token, int64_t max_age_s, bool secure) {
  return std::string(kSessionCookie) + "=" + token +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s) +
         (secure ? "; Secure" : "");
}

std::string SessionClearCookie() {
  return std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
}

}  // namespace lw::http
