// leadwire init and leadwire user add.
#include <boost/json.hpp>
#include <functional>
#include <iostream>

#include "app/cli_support.h"
#include "app/commands.h"
#include "app/run_as_folder_owner.h"
#include "common/clock.h"
#include "common/json_fields.h"
#include "common/secrets.h"
#include "domain/organizations.h"
#include "domain/users.h"
#include "store/secret_key_check.h"

namespace lw::app {

namespace json = boost::json;

namespace {

// Adds the user; returns {"user_id","api_token"} (+ "password" when generated).
Result<json::object> AddAccount(Database& db, std::optional<int64_t> org_id,
                                const std::string& org_name, const std::string& email,
                                const std::string& role,
                                const std::optional<std::string>& password) {
  if (password && password->size() < 8)
    return Fail(Error::Field("password", "must be at least 8 characters"));
  const std::string chosen = password.value_or(GeneratePassword());
  const std::string hash = secrets::HashPassword(chosen);  // slow: outside the transaction
  const int64_t now = SystemClock().NowMs();
  return WriteResult<json::object>(db, [&](sql::Connection& c) -> Result<json::object> {
    json::object out;
    int64_t org = org_id.value_or(0);
    if (!org_id) {
      org = CreateOrganization(c, org_name, now);
      out["org_id"] = org;
    }
    auto user = AddUser(c, org, email, role, hash, now);
    if (!user) return Fail(user.error());
    out["user_id"] = user->user_id;
    out["api_token"] = user->api_token;
    if (!password) out["password"] = chosen;
    return out;
  });
}

int InitAs(const InitOptions& o) {
  auto db = OpenOrExplain(o.db);
  if (!db) return 1;
  // The key first, before anything is written: a new database gets one (or
  // the file given), recorded in the database so that a later start with
  // another key is refused; one that has a key must be given that key.
  const std::string key_file = SecretKeyPath(o.db, o.secret_key_file);
  if (!key_file.empty()) {
    auto had = DatabaseHasSecretKey(*db);
    if (!had) return Complain(had.error());
    if (!*had)
      if (auto made = EnsureSecretKeyFile(o.db, o.secret_key_file); !made)
        return Complain(made.error().message + ".");
    if (!OpenSecretKey(*db, o.db, o.secret_key_file)) return 1;
  }
  auto out = AddAccount(*db, std::nullopt, Trim(o.org), o.admin_email, "admin", o.admin_password);
  if (!out) return Complain(out.error());
  if (!key_file.empty()) (*out)["secret_key_file"] = key_file;
  std::cout << json::serialize(*out) << std::endl;
  return 0;
}

int UserAddAs(const UserAddOptions& o) {
  auto db = OpenOrExplain(o.db);
  if (!db) return 1;
  auto out = AddAccount(*db, o.org_id, "", o.email, o.role, o.password);
  if (!out) return Complain(out.error());
  std::cout << json::serialize(*out) << std::endl;
  return 0;
}

// Runs `command` as the owner of the database's folder (RunAsFolderOwner); a
// failure then says whose rights it had, since root's no longer applied.
int AsFolderOwner(const std::string& db_url, const std::string& key_file,
                  const std::function<int()>& command) {
  auto as = RunAsFolderOwner(db_url, key_file);
  if (!as) return Complain(as.error());
  const int code = command();
  if (code != 0 && !as->empty()) std::cerr << "leadwire: (this ran as " << *as << ")" << std::endl;
  return code;
}

}  // namespace

int RunInit(const InitOptions& o) {
  if (Trim(o.org).empty()) return Complain("--org needs the organization's name.");
  return AsFolderOwner(o.db, SecretKeyPath(o.db, o.secret_key_file), [&] { return InitAs(o); });
}

int RunUserAdd(const UserAddOptions& o) {
  return AsFolderOwner(o.db, "", [&] { return UserAddAs(o); });
}

}  // namespace lw::app
