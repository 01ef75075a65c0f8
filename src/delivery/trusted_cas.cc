#include "delivery/trusted_cas.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fstream>
#include <iterator>

namespace lw {

namespace {
Error BadCaFile(const std::string& message) {
  return Error{ErrorKind::kBadRequest, "bad_ca_file", message, {}};
}
}  // namespace

Result<std::shared_ptr<const TrustedCas>> TrustedCas::Parse(const std::string& pem) {
  std::shared_ptr<TrustedCas> cas(new TrustedCas);
  BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr))
    cas->certs_.push_back(cert);
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on "no start line"
  const size_t announced = [&] {
    size_t n = 0;
    for (size_t at = 0; (at = pem.find("-----BEGIN CERTIFICATE-----", at)) != std::string::npos;
         ++at)
      ++n;
    return n;
  }();
  if (announced == 0) return Fail(BadCaFile("holds no PEM certificate"));
  if (cas->certs_.size() != announced)
    return Fail(BadCaFile("has a certificate OpenSSL cannot read"));
  return std::shared_ptr<const TrustedCas>(std::move(cas));
}

Result<std::shared_ptr<const TrustedCas>> TrustedCas::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(BadCaFile("--ca-file " + path + " cannot be read."));
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto cas = Parse(pem);
  if (!cas) return Fail(BadCaFile("--ca-file " + path + " " + cas.error().message + "."));
  return cas;
}

TrustedCas::~TrustedCas() {
  for (void* cert : certs_) X509_free(static_cast<X509*>(cert));
}

void TrustedCas::AddTo(void* ssl_ctx) const {
  SSL_CTX_set_read_ahead(static_cast<SSL_CTX*>(ssl_ctx), 1);
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  // A store shared between contexts may have them already: that error is harmless.
  for (void* cert : certs_) X509_STORE_add_cert(store, static_cast<X509*>(cert));
  ERR_clear_error();
}

}  // namespace lw
