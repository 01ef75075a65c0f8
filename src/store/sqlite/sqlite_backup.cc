#include "store/sqlite/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

namespace lw {

namespace {

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Handle = std::unique_ptr<sqlite3, Closer>;

Error Failed(const std::string& what) {
  return Error{ErrorKind::kInternal, "backup_failed", what, {}};
}

Result<Handle> Open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Handle db(raw);
  if (rc != SQLITE_OK)
    return Fail(
        Failed("cannot open " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory")));
  sqlite3_busy_timeout(raw, 10000);
  return db;
}

}  // namespace

Result<BackupReport> BackupSqlite(const std::string& source, const std::string& target) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(source, ec))
    return Fail(Failed(source + " does not exist; name the database the server uses"));
  // Whatever is at the name, a dangling link too, is never replaced.
  if (fs::exists(fs::symlink_status(target, ec)))
    return Fail(Failed(target + " already exists; remove it or choose another name"));
  // The copy is made in a file of its own, created here (so nothing of
  // anyone else's is written or removed) and readable by this user only: it
  // holds the organizations' signing keys.
  std::string partial = target + ".partial-XXXXXX";
  const int fd = mkstemp(partial.data());
  if (fd < 0)
    return Fail(Failed("cannot create a file beside " + target + ": " + std::strerror(errno)));
  close(fd);
  const auto discard = [&] { fs::remove(partial, ec); };

  auto from = Open(source, SQLITE_OPEN_READONLY);
  if (!from) {
    discard();
    return Fail(from.error());
  }
  auto to = Open(partial, SQLITE_OPEN_READWRITE);
  if (!to) {
    discard();
    return Fail(to.error());
  }
  sqlite3_backup* backup = sqlite3_backup_init(to->get(), "main", from->get(), "main");
  if (!backup) return Fail(Failed("cannot copy " + source + ": " + sqlite3_errmsg(to->get())));
  // Every page in one step: one read transaction, so one consistent snapshot
  // (copied in parts, each change the server commits would restart the copy).
  const int step = sqlite3_backup_step(backup, -1);
  BackupReport report;
  report.pages = sqlite3_backup_pagecount(backup);
  const int finish = sqlite3_backup_finish(backup);
  if (step != SQLITE_DONE || finish != SQLITE_OK) {
    const std::string why = sqlite3_errstr(step != SQLITE_DONE ? step : finish);
    to.value().reset();
    discard();
    return Fail(Failed("cannot copy " + source + " to " + target + ": " + why));
  }
  // The copy is checked before it takes the name.
  sqlite3_stmt* check = nullptr;
  std::string verdict = "no answer";
  if (sqlite3_prepare_v2(to->get(), "PRAGMA quick_check", -1, &check, nullptr) == SQLITE_OK &&
      sqlite3_step(check) == SQLITE_ROW)
    verdict = reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
  sqlite3_finalize(check);
  to.value().reset();
  if (verdict != "ok") {
    discard();
    return Fail(Failed("the copy of " + source + " failed its check: " + verdict));
  }
  // The name is taken only if nothing has it: a file made there meanwhile is
  // left alone (a plain rename would replace it). renameat2's NOREPLACE does
  // it in one step; where the file system has no such rename, link() does.
  int err = 0;
  if (renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) != 0) {
    err = errno;
    if (err == EINVAL || err == ENOSYS || err == ENOTSUP)
      err = link(partial.c_str(), target.c_str()) == 0 ? 0 : errno;
  }
  discard();  // the rename left nothing; after a link, the extra name goes
  if (err == EEXIST)
    return Fail(Failed(target + " appeared while copying; remove it or choose another name"));
  if (err) return Fail(Failed("cannot name the copy " + target + ": " + std::strerror(err)));
  report.bytes = int64_t(fs::file_size(target, ec));
  return report;
}

}  // namespace lw
