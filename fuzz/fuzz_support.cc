#include "fuzz_support.h"

#include <unistd.h>

#include <filesystem>
#include <string>

#include "domain/organizations.h"

namespace lw::fuzz {

FuzzDatabase Shared() {
  static const FuzzDatabase shared = [] {
    const auto dir =
        std::filesystem::temp_directory_path() / ("leadwire-fuzz-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = OpenDatabase("sqlite:" + (dir / "fuzz.db").string());
    if (!opened || !(*opened)->Migrate()) __builtin_trap();
    Database* db = opened->release();  // lives as long as the process
    int64_t org = 0;
    if (!db->Write([&](sql::Connection& c) -> Status {
          org = CreateOrganization(c, "Fuzz Injury Law", 1'700'000'000'000);
          return {};
        }))
      __builtin_trap();
    return FuzzDatabase{*db, org};
  }();
  return shared;
}

void RolledBack(Database& db, const std::function<void(sql::Connection&)>& fn) {
  (void)db.Write([&](sql::Connection& c) -> Status {
    fn(c);
    return Fail(Error::Internal("rolled back on purpose"));
  });
}

}  // namespace lw::fuzz
