// TrustedCas: the certificate authorities trusted besides the system's
// (--ca-file), parsed once and added to the transport's TLS context, so
// HTTPS endpoints with a private CA verify.
// Immutable after parsing; any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

namespace lw {

class TrustedCas {
 public:
  // Every certificate in `pem`; an error when there is none or one is broken.
  static Result<std::shared_ptr<const TrustedCas>> Parse(const std::string& pem);
  // Reads and parses --ca-file; the error names the file and what is wrong.
  static Result<std::shared_ptr<const TrustedCas>> Load(const std::string& path);
  ~TrustedCas();
  TrustedCas(const TrustedCas&) = delete;
  TrustedCas& operator=(const TrustedCas&) = delete;

  // Adds them to an OpenSSL SSL_CTX's certificate store.
  void AddTo(void* ssl_ctx) const;
  size_t size() const { return certs_.size(); }

 private:
  TrustedCas() = default;
  std::vector<void*> certs_;  // X509*
};

}  // namespace lw
