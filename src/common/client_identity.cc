#include "common/client_identity.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>

#include "common/crypto.h"

namespace lw {

namespace {

constexpr const char* kCertField = "client_certificate.certificate_pem";
constexpr const char* kKeyField = "client_certificate.private_key_pem";
constexpr size_t kMaxPemBytes = 64 * 1024;

std::string NameText(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, size_t(n));
  BIO_free(bio);
  return out;
}

int64_t TimeMs(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return int64_t(timegm(&tm)) * 1000;
}

}  // namespace

ClientIdentity::~ClientIdentity() {
  X509_free(static_cast<X509*>(cert_));
  for (void* c : chain_) X509_free(static_cast<X509*>(c));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

Result<std::shared_ptr<const ClientIdentity>> ClientIdentity::Parse(
    const std::string& certificate_pem, const std::string& private_key_pem,
    std::optional<int64_t> check_at) {
  if (certificate_pem.size() > kMaxPemBytes)
    return Fail(Error::Field(kCertField, "must be at most 64 KiB"));
  if (private_key_pem.size() > kMaxPemBytes)
    return Fail(Error::Field(kKeyField, "must be at most 64 KiB"));
  std::shared_ptr<ClientIdentity> id(new ClientIdentity);
  BIO* certs = BIO_new_mem_buf(certificate_pem.data(), int(certificate_pem.size()));
  while (X509* x = PEM_read_bio_X509(certs, nullptr, nullptr, nullptr)) {
    if (!id->cert_)
      id->cert_ = x;
    else
      id->chain_.push_back(x);
  }
  BIO_free(certs);
  ERR_clear_error();
  if (!id->cert_)
    return Fail(Error::Field(
        kCertField, "holds no certificate (paste the PEM text, -----BEGIN CERTIFICATE-----)"));
  // No passphrase callback: an encrypted key fails here instead of prompting.
  BIO* keys = BIO_new_mem_buf(private_key_pem.data(), int(private_key_pem.size()));
  id->key_ = PEM_read_bio_PrivateKey(
      keys, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  BIO_free(keys);
  ERR_clear_error();
  if (!id->key_)
    return Fail(Error::Field(kKeyField,
                             "holds no private key Leadwire can use (paste the unencrypted PEM "
                             "text, -----BEGIN PRIVATE KEY-----)"));
  X509* cert = static_cast<X509*>(id->cert_);
  if (X509_check_private_key(cert, static_cast<EVP_PKEY*>(id->key_)) != 1) {
    ERR_clear_error();
    return Fail(Error::Field(kKeyField, "does not match the certificate"));
  }
  id->not_after_ms_ = TimeMs(X509_get0_notAfter(cert));
  if (check_at) {
    time_t now = time_t(*check_at / 1000);
    if (X509_cmp_time(X509_get0_notAfter(cert), &now) <= 0)
      return Fail(Error::Field(kCertField, "has expired; receivers would refuse it"));
    if (X509_cmp_time(X509_get0_notBefore(cert), &now) > 0)
      return Fail(Error::Field(kCertField, "is not valid yet"));
  }
  id->subject_ = NameText(X509_get_subject_name(cert));
  id->issuer_ = NameText(X509_get_issuer_name(cert));
  unsigned char der_hash[32];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), der_hash, &n);
  id->fingerprint_ = crypto::Hex(std::string_view(reinterpret_cast<char*>(der_hash), n));
  return std::shared_ptr<const ClientIdentity>(std::move(id));
}

bool ClientIdentity::UseOn(void* ssl_ptr) const {
  SSL* ssl = static_cast<SSL*>(ssl_ptr);
  if (SSL_use_certificate(ssl, static_cast<X509*>(cert_)) != 1) return false;
  if (SSL_use_PrivateKey(ssl, static_cast<EVP_PKEY*>(key_)) != 1) return false;
  for (void* c : chain_)
    if (SSL_add1_chain_cert(ssl, static_cast<X509*>(c)) != 1) return false;
  return true;
}

}  // namespace lw
