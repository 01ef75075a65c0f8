#include "app/cli_support.h"

#include <iostream>

#include "common/crypto.h"
#include "common/log.h"
#include "store/secret_key_check.h"

namespace lw::app {

std::unique_ptr<Database> OpenOrExplain(const std::string& url, const DatabaseOptions& options) {
  auto db = OpenDatabase(url, options);
  if (!db) {
    Complain(db.error());
    return nullptr;
  }
  if (auto st = (*db)->Migrate(); !st) {
    Complain("cannot prepare the database schema: " + st.error().message);
    return nullptr;
  }
  return std::move(*db);
}

std::string SecretKeyPath(const std::string& db_url, const std::string& key_file) {
  return key_file.empty() ? DefaultSecretKeyFile(db_url) : key_file;
}

Result<std::string> EnsureSecretKeyFile(const std::string& db_url, const std::string& key_file) {
  const std::string path = SecretKeyPath(db_url, key_file);
  if (path.empty()) return path;
  auto made = SecretBox::CreateIfMissing(path);
  if (!made) return Fail(made.error());
  return path;
}

std::shared_ptr<const SecretBox> OpenSecretKey(Database& db, const std::string& db_url,
                                               const std::string& key_file) {
  const std::string path = SecretKeyPath(db_url, key_file);
  if (path.empty()) {
    Complain(
        "serve on PostgreSQL needs --secret-key-file FILE, the same file on every node "
        "(leadwire init --secret-key-file FILE creates one).");
    return nullptr;
  }
  {
    // Made only for a database that never had a key (a new one, or one an
    // earlier release made): one that had would lose its secrets, so a
    // missing file then stops serve.
    auto had = DatabaseHasSecretKey(db);
    if (!had) {
      Complain(had.error());
      return nullptr;
    }
    if (!*had) {
      auto made = SecretBox::CreateIfMissing(path);
      if (!made) {
        Complain(made.error());
        return nullptr;
      }
      if (*made) log::Info("created the secret key file " + path + " (keep it with backups)");
    }
  }
  auto box = SecretBox::Load(path);
  if (!box) {
    Complain(box.error().message + ".");
    return nullptr;
  }
  if (auto st = CheckSecretKey(db, **box, path); !st) {
    Complain(st.error().message + ".");
    return nullptr;
  }
  return std::move(*box);
}

int Complain(const std::string& message) {
  std::cerr << "leadwire: " << message << std::endl;
  return 1;
}

int Complain(const Error& e) {
  std::string message = e.message;
  for (const auto& [field, what] : e.fields) message += " " + field + " " + what + ".";
  return Complain(message);
}

std::string GeneratePassword() {
  // 15 random bytes → 20 base64 characters; '+' and '/' swapped for easy copying.
  std::string p = crypto::Base64(crypto::RandomBytes(15));
  for (char& c : p) c = c == '+' ? 'x' : c == '/' ? 'y' : c;
  return p;
}

}  // namespace lw::app
