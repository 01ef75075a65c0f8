#include "common/smtp_mailer.h"

#include <curl/curl.h>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>

#include "common/crypto.h"

namespace lw {

namespace {

void EnsureCurl() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)ok;
}

// A header's text: ASCII as it is, anything else as an RFC 2047 word.
std::string HeaderText(const std::string& text) {
  bool ascii = true;
  for (unsigned char ch : text) ascii = ascii && ch >= 0x20 && ch < 0x7f;
  if (ascii) return text;
  return "=?UTF-8?B?" + crypto::Base64(text) + "?=";
}

std::string RfcDate() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char out[64];
  std::strftime(out, sizeof out, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return out;
}

struct Upload {
  std::string data;
  size_t sent = 0;
};

size_t ReadChunk(char* buffer, size_t size, size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, u->data.size() - u->sent);
  std::memcpy(buffer, u->data.data() + u->sent, n);
  u->sent += n;
  return n;
}

bool HasLineBreak(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

}  // namespace

Result<SmtpMailer> SmtpMailer::Create(SmtpSettings s) {
  auto url = boost::urls::parse_absolute_uri(s.url);
  if (!url || (url->scheme() != "smtp" && url->scheme() != "smtps") || url->host().empty())
    return Fail(Error::Field("smtp_url",
                             "--smtp-url must be smtp://[user:pass@]HOST:PORT (STARTTLS when the "
                             "server offers it) or smtps://… (TLS from the start)"));
  const auto at = s.from.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == s.from.size() || HasLineBreak(s.from) ||
      s.from.find_first_of(" <>") != std::string::npos)
    return Fail(Error::Field("smtp_from", "--smtp-from must be an email address"));
  EnsureCurl();
  return SmtpMailer(std::move(s));
}

std::string SmtpMailer::Redacted() const {
  auto url = boost::urls::parse_absolute_uri(s_.url);
  if (!url) return "(an SMTP URL)";
  boost::urls::url u = *url;
  if (u.has_password()) u.set_password("****");
  return std::string(u.buffer());
}

Status SmtpMailer::Send(const std::vector<std::string>& to, const std::string& subject,
                        const std::string& body) const {
  for (const auto& r : to)
    if (HasLineBreak(r)) return Fail(Error::Internal("a recipient holds a line break"));
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Fail(Error::Internal("libcurl could not start"));
  CURL* h = curl.get();
  Upload upload;
  std::string to_line;
  for (const auto& r : to) to_line += (to_line.empty() ? "" : ", ") + r;
  upload.data = "Date: " + RfcDate() + "\r\nFrom: Leadwire <" + s_.from + ">\r\nTo: " + to_line +
                "\r\nSubject: " + HeaderText(subject) + "\r\nMessage-ID: <" +
                crypto::Hex(crypto::RandomBytes(12)) + "@leadwire>" +
                "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8"
                "\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
                body;
  curl_slist* rcpt = nullptr;
  for (const auto& r : to) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_owner(rcpt, curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, s_.url.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, ("<" + s_.from + ">").c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadChunk);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_USE_SSL, long(CURLUSESSL_TRY));  // STARTTLS when offered
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  // --ca-file adds to the system's CAs, as for webhooks.
  if (!s_.ca_file.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, s_.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_CAPATH, "/etc/ssl/certs");
  }
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) return {};
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  std::string what = error[0] ? error : curl_easy_strerror(rc);
  if (code) what += " (the server answered " + std::to_string(code) + ")";
  return Fail(Error::Unavailable("the mail server " + Redacted() + ": " + what));
}

}  // namespace lw
