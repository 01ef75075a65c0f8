#include "store/secret_key_check.h"

namespace lw {

namespace {
constexpr const char* kCheckText = "leadwire secret key check";
}

Status CheckSecretKey(Database& db, const SecretBox& box, const std::string& path) {
  std::string stored;
  auto st = db.Write([&](sql::Connection& c) -> Status {
    // Two nodes starting at once: the first insert wins, both read it.
    c.Exec("INSERT INTO secret_key_check (id, sealed) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
           {box.Seal(kCheckText)});
    stored = c.QueryOne("SELECT sealed FROM secret_key_check WHERE id = 1")->Text(0);
    return {};
  });
  if (!st) return st;
  if (box.Open(stored) != kCheckText)
    return Fail(Error{ErrorKind::kBadRequest,
                      "secret_key_file",
                      "the secret key in " + path +
                          " is not the key this database's secrets were sealed with (every node "
                          "needs the same key file)",
                      {}});
  return {};
}

Result<bool> DatabaseHasSecretKey(Database& db) {
  return ReadResult<bool>(db, [](sql::Connection& c) -> Result<bool> {
    return c.QueryOne("SELECT 1 FROM secret_key_check WHERE id = 1").has_value();
  });
}

}  // namespace lw
