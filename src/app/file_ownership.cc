#include "app/file_ownership.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/log.h"

namespace lw::app {

void GiveToFolderOwner(const std::vector<std::string>& files) {
  if (::geteuid() != 0) return;
  for (const std::string& file : files) {
    struct stat own {
    }, folder{};
    if (::stat(file.c_str(), &own) != 0 || own.st_uid != 0) continue;
    const std::string dir = std::filesystem::absolute(file).parent_path().string();
    if (::stat(dir.c_str(), &folder) != 0 || folder.st_uid == 0) continue;
    if (::chown(file.c_str(), folder.st_uid, folder.st_gid) != 0)
      log::Warn("could not give " + file + " to the owner of " + dir + ": " + std::strerror(errno));
  }
}

std::vector<std::string> DatabaseFiles(const std::string& db_url, const std::string& key_file) {
  std::vector<std::string> files;
  constexpr std::string_view kSqlite = "sqlite:";
  if (db_url.starts_with(kSqlite)) {
    const std::string path = db_url.substr(kSqlite.size());
    files = {path, path + "-wal", path + "-shm"};
  }
  if (!key_file.empty()) files.push_back(key_file);
  return files;
}

}  // namespace lw::app
