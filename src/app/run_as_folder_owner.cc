#include "app/run_as_folder_owner.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace lw::app {

namespace {

// The folder that decides: where the database's or the key's file lives.
std::string FolderOf(const std::string& db_url, const std::string& key_file) {
  constexpr std::string_view kSqlite = "sqlite:";
  std::string file = db_url.starts_with(kSqlite) ? db_url.substr(kSqlite.size()) : key_file;
  if (file.empty()) return "";
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(file, ec);
  return ec ? "" : absolute.parent_path().string();
}

Error Cannot(const std::string& folder, uid_t uid, const char* step) {
  return Error::Internal("cannot act as the owner of " + folder + " (uid " + std::to_string(uid) +
                         "): " + step + ": " + std::strerror(errno));
}

}  // namespace

Status RunAsFolderOwner(const std::string& db_url, const std::string& key_file) {
  if (::geteuid() != 0) return {};
  const std::string folder = FolderOf(db_url, key_file);
  struct stat st {};
  if (folder.empty() || ::stat(folder.c_str(), &st) != 0 || st.st_uid == 0) return {};
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
    return Fail(Cannot(folder, st.st_uid, "setgroups"));
  // The group before the user: once the user is set, the group cannot change.
  if (::setgid(gid) != 0) return Fail(Cannot(folder, st.st_uid, "setgid"));
  if (::setuid(st.st_uid) != 0) return Fail(Cannot(folder, st.st_uid, "setuid"));
  return {};
}

}  // namespace lw::app
