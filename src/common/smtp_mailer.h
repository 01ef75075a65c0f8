// SmtpMailer: sends plain-text emails through one mail server with libcurl's
// SMTP (serve --smtp-url): smtp://[user:pass@]HOST:PORT upgrades to TLS with
// STARTTLS when the server offers it, smtps:// speaks TLS from the start;
// the server's certificate is checked (the system's CAs, or --ca-file). The
// mail server is the operator's, not a tenant's, so no SSRF guard applies.
// Send() blocks (30 s at most); any thread, one call at a time per object.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"

namespace lw {

struct SmtpSettings {
  std::string url;      // smtp://… or smtps://…, as given
  std::string from;     // the envelope and From: address
  std::string ca_file;  // empty: the system's CAs
};

class SmtpMailer {
 public:
  // One sentence naming the flag when the URL is not smtp:// or smtps://
  // with a host, or `from` is not an address.
  static Result<SmtpMailer> Create(SmtpSettings settings);

  // One message to every recipient (each on To:). The error says what the
  // server or the connection said; the password never appears in it.
  Status Send(const std::vector<std::string>& to, const std::string& subject,
              const std::string& body) const;

  // The URL without its password, for logs.
  std::string Redacted() const;

 private:
  explicit SmtpMailer(SmtpSettings s) : s_(std::move(s)) {}
  SmtpSettings s_;
};

}  // namespace lw
