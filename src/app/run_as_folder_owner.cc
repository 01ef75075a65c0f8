#include "app/run_as_folder_owner.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace lw::app {

namespace fs = std::filesystem;

namespace {

// The folder that decides: where the database's or the key's file lives.
fs::path FolderOf(const std::string& db_url, const std::string& key_file) {
  constexpr std::string_view kSqlite = "sqlite:";
  std::string file = db_url.starts_with(kSqlite) ? db_url.substr(kSqlite.size()) : key_file;
  if (file.empty()) return {};
  std::error_code ec;
  const auto absolute = fs::absolute(file, ec);
  return ec ? fs::path{} : absolute.lexically_normal().parent_path();
}

// The first owner other than root of: what `folder` points to, `folder`
// itself, and each folder above it (a symlink a user planted on the way
// counts as that user's folder). Root's uid (0) when there is none.
struct stat OwnerOf(const fs::path& folder) {
  struct stat st {};
  if (::stat(folder.c_str(), &st) == 0 && st.st_uid != 0) return st;
  for (fs::path p = folder; !p.empty(); p = p.parent_path()) {
    if (::lstat(p.c_str(), &st) == 0 && st.st_uid != 0) return st;
    if (p == p.parent_path()) break;
  }
  st.st_uid = 0;
  return st;
}

Error Cannot(const fs::path& folder, uid_t uid, const std::string& name, const char* step) {
  const std::string who = name.empty() ? "uid " + std::to_string(uid) : name;
  return Error::Internal("cannot act as " + who + ", the owner of " + folder.string() + " (" +
                         step + ": " + std::strerror(errno) + "); run the command as " + who +
                         " (sudo -u " + who + " leadwire …).");
}

}  // namespace

Result<std::string> RunAsFolderOwner(const std::string& db_url, const std::string& key_file) {
  if (::geteuid() != 0) return "";
  const fs::path folder = FolderOf(db_url, key_file);
  if (folder.empty()) return "";
  const struct stat st = OwnerOf(folder);
  if (st.st_uid == 0) return "";
  // The owner's own groups when it has an account, else the folder's group.
  gid_t gid = st.st_gid;
  std::string name;
  std::vector<char> buffer(16384);
  struct passwd pw {
  }, *found = nullptr;
  if (::getpwuid_r(st.st_uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found) {
    gid = pw.pw_gid;
    name = pw.pw_name;
  }
  if (!name.empty() ? ::initgroups(name.c_str(), gid) != 0 : ::setgroups(0, nullptr) != 0)
    return Fail(Cannot(folder, st.st_uid, name, "setgroups"));
  // The group before the user: once the user is set, the group cannot change.
  if (::setgid(gid) != 0) return Fail(Cannot(folder, st.st_uid, name, "setgid"));
  if (::setuid(st.st_uid) != 0) return Fail(Cannot(folder, st.st_uid, name, "setuid"));
  return (name.empty() ? "uid " + std::to_string(st.st_uid) : name) + ", the owner of " +
         folder.string();
}

}  // namespace lw::app
