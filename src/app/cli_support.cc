#include "app/cli_support.h"

#include <iostream>

#include "common/crypto.h"

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
