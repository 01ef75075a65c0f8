#include "common/secret_box.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/crypto.h"
#include "common/log.h"
#include "common/sodium_init.h"

namespace lw {

namespace {

constexpr std::string_view kPrefix = "sb1:";
static_assert(crypto_secretbox_KEYBYTES == 32);

Error KeyFileError(const std::string& message) {
  return Error{ErrorKind::kBadRequest, "secret_key_file", message, {}};
}

std::string Trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

}  // namespace

SecretBox::SecretBox(std::string_view key) {
  EnsureSodium();
  std::memcpy(key_, key.data(), sizeof key_);
}

SecretBox::~SecretBox() { sodium_memzero(key_, sizeof key_); }

std::shared_ptr<const SecretBox> SecretBox::FromKey(std::string_view key) {
  if (key.size() != sizeof(key_)) std::abort();  // a caller's bug, not input
  return std::shared_ptr<const SecretBox>(new SecretBox(key));
}

Result<std::shared_ptr<const SecretBox>> SecretBox::Load(const std::string& path) {
  std::ifstream in(path);
  struct stat st {};
  if (in && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    log::Warn("the secret key file " + path +
              " can be read by users other than its owner; chmod 600 it (it opens every stored "
              "secret)");
  if (!in)
    return Fail(KeyFileError(
        "cannot read the secret key file " + path + " (" + std::strerror(errno) +
        "): every node needs the file this database's secrets are sealed with (leadwire init "
        "creates one for a new database)"));
  std::stringstream text;
  text << in.rdbuf();
  const auto key = crypto::Base64Decode(Trimmed(text.str()));
  if (!key || key->size() != crypto_secretbox_KEYBYTES)
    return Fail(KeyFileError("the secret key file " + path +
                             " does not hold a Leadwire secret key (one line of base64 that "
                             "encodes 32 bytes)"));
  return FromKey(*key);
}

namespace {

// Writes `line` to a new file `path` (mode 0600; fails if it exists) and
// syncs it; 0, or the errno of what failed.
int WriteNewFile(const std::string& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  int err = 0;
  errno = 0;  // a short write sets none
  if (::write(fd, line.data(), line.size()) != ssize_t(line.size()))
    err = errno ? errno : EIO;
  else if (::fsync(fd) != 0)
    err = errno;
  ::close(fd);
  if (err) ::unlink(path.c_str());
  return err;
}

}  // namespace

Result<bool> SecretBox::CreateIfMissing(const std::string& path) {
  EnsureSodium();
  if (::access(path.c_str(), F_OK) == 0) return false;
  const std::string line = crypto::Base64(crypto::RandomBytes(crypto_secretbox_KEYBYTES)) + "\n";
  auto failed = [&](int err) {
    return Fail(KeyFileError("cannot create the secret key file " + path + " (" +
                             std::strerror(err) + ")"));
  };
  // Written whole under a name of its own, then linked into place: nobody
  // reads a half-written key, and of two commands starting at once one key
  // wins (link fails on an existing name) and both use it.
  const std::string temp = path + ".new-" + crypto::Hex(crypto::RandomBytes(6));
  if (int err = WriteNewFile(temp, line)) return failed(err);
  const int linked = ::link(temp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(temp.c_str());
  if (linked == 0) return true;
  if (link_errno == EEXIST) return false;
  // A file system without hard links (vfat, some network shares): created
  // in place, still never over an existing file.
  if (int err = WriteNewFile(path, line)) return err == EEXIST ? Result<bool>(false) : failed(err);
  return true;
}

std::string SecretBox::Seal(std::string_view plain) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(bytes, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(bytes + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), bytes,
                        key_);
  return std::string(kPrefix) + crypto::Base64(out);
}

std::optional<std::string> SecretBox::Open(std::string_view sealed) const {
  if (!sealed.starts_with(kPrefix)) return std::nullopt;
  const auto raw = crypto::Base64Decode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw->data());
  std::string plain(raw->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 bytes + crypto_secretbox_NONCEBYTES,
                                 raw->size() - crypto_secretbox_NONCEBYTES, bytes, key_) != 0)
    return std::nullopt;
  return plain;
}

std::string DefaultSecretKeyFile(const std::string& db_url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (!db_url.starts_with(kSqlite)) return "";
  return db_url.substr(kSqlite.size()) + ".key";
}

}  // namespace lw
