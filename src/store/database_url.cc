#include "store/database_url.h"

#include <filesystem>

namespace lw {

namespace {
Error BadUrl(std::string message) {
  return Error{ErrorKind::kBadRequest, "bad_database_url", std::move(message), {}};
}
}  // namespace

Result<DatabaseUrl> ParseDatabaseUrl(const std::string& url) {
  if (url.starts_with("sqlite:")) {
    DatabaseUrl out{DatabaseUrl::Backend::kSqlite, url.substr(7), ""};
    if (out.sqlite_path.empty())
      return Fail(BadUrl("--db sqlite: needs a file, e.g. sqlite:./leadwire.db."));
    const std::filesystem::path path(out.sqlite_path);
    const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(folder))
      return Fail(BadUrl("the folder " + folder.string() +
                         " does not exist; create it or choose another --db."));
    return out;
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return DatabaseUrl{DatabaseUrl::Backend::kPostgres, "", url};
  return Fail(BadUrl("--db must be sqlite:PATH or a postgresql:// URL."));
}

}  // namespace lw
