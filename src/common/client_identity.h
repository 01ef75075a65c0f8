// ClientIdentity: an organization's client certificate (with any
// intermediates after it) and its private key, for receivers behind mutual
// TLS — parsed and checked once: PEM, the key matches the certificate, the
// certificate is valid now. The transport presents it when a receiver asks.
// Immutable once parsed; any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace lw {

class ClientIdentity {
 public:
  // Errors are 422s on "client_certificate.certificate_pem" or ".private_key_pem".
  // check_at: the time it must be valid at (nullopt: as stored, dates unchecked).
  static Result<std::shared_ptr<const ClientIdentity>> Parse(const std::string& certificate_pem,
                                                             const std::string& private_key_pem,
                                                             std::optional<int64_t> check_at);
  ~ClientIdentity();
  ClientIdentity(const ClientIdentity&) = delete;
  ClientIdentity& operator=(const ClientIdentity&) = delete;

  // Presents it on one OpenSSL connection (an SSL*) before its handshake.
  bool UseOn(void* ssl) const;

  const std::string& subject() const { return subject_; }  // RFC 2253, "CN=…,O=…"
  const std::string& issuer() const { return issuer_; }
  int64_t not_after_ms() const { return not_after_ms_; }
  // SHA-256 of the certificate: tells identities apart (connections and TLS
  // sessions made with one are never used with another).
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  ClientIdentity() = default;
  void* cert_ = nullptr;      // X509*
  std::vector<void*> chain_;  // X509*, the intermediates
  void* key_ = nullptr;       // EVP_PKEY*
  std::string subject_, issuer_, fingerprint_;
  int64_t not_after_ms_ = 0;
};

}  // namespace lw
