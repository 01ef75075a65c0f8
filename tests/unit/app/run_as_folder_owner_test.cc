// RunAsFolderOwner: root working on a service user's database becomes that
// user first; root's own folders and non-root callers change nothing. Each
// case runs in a child process (a death test), since the change is for good.
#include "app/run_as_folder_owner.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace lw::app {
namespace {

namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;

class RunAsFolderOwnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "only root changes user";
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // A death test's child runs SetUp again: it takes its parent's folder
    // (named in the environment) rather than making one it cannot remove.
    if (const char* parent = std::getenv("LW_OWNER_TEST_DIR")) {
      dir_ = parent;
      child_ = true;
      return;
    }
    dir_ = fs::temp_directory_path() / ("lw-owner-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "service");
    fs::create_directories(dir_ / "roots");
    ASSERT_EQ(::chown((dir_ / "service").c_str(), kNobody, kNobody), 0);
    ::setenv("LW_OWNER_TEST_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    if (child_ || dir_.empty()) return;
    ::unsetenv("LW_OWNER_TEST_DIR");
    fs::remove_all(dir_);
  }
  // Exits 0 when, after RunAsFolderOwner, this process's user is `uid` and a
  // file it makes in the service folder is that user's.
  [[noreturn]] static void CheckBecomes(const std::string& db, const std::string& key, uid_t uid,
                                        const fs::path& probe) {
    if (!RunAsFolderOwner(db, key)) std::_Exit(2);
    if (::geteuid() != uid || ::getuid() != uid) std::_Exit(3);
    if (uid != 0) {
      if (::setuid(0) == 0) std::_Exit(4);  // for good: root cannot be had back
      std::ofstream(probe) << "x";
      struct stat st {};
      if (::stat(probe.c_str(), &st) != 0 || st.st_uid != uid) std::_Exit(5);
    }
    std::_Exit(0);
  }
  fs::path dir_;
  bool child_ = false;
};

TEST_F(RunAsFolderOwnerTest, RootOnAUsersSqliteDatabaseBecomesThatUser) {
  const std::string db = "sqlite:" + (dir_ / "service" / "leadwire.db").string();
  EXPECT_EXIT(CheckBecomes(db, "", kNobody, dir_ / "service" / "made"),
              ::testing::ExitedWithCode(0), "");
}

TEST_F(RunAsFolderOwnerTest, OnPostgresqlTheKeyFilesFolderDecides) {
  EXPECT_EXIT(CheckBecomes("postgresql://db/leadwire", (dir_ / "service" / "secret.key").string(),
                           kNobody, dir_ / "service" / "made"),
              ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(CheckBecomes("postgresql://db/leadwire", "", 0, {}), ::testing::ExitedWithCode(0),
              "");
}

TEST_F(RunAsFolderOwnerTest, ASymlinkTheUserPlantedOnTheWayMakesItTheirs) {
  // service/elsewhere → roots/ (root's), planted by the service's user: root
  // must not create files through it with root's rights.
  const auto link = dir_ / "service" / "elsewhere";
  std::error_code exists;  // a death test's child runs this again
  fs::create_directory_symlink(dir_ / "roots", link, exists);
  ASSERT_EQ(::lchown(link.c_str(), kNobody, kNobody), 0);
  EXPECT_EXIT(
      CheckBecomes("sqlite:" + (link / "x.db").string(), "", kNobody, dir_ / "service" / "made"),
      ::testing::ExitedWithCode(0), "");
}

TEST_F(RunAsFolderOwnerTest, RootsOwnFolderOrAMissingOneLeavesRootAsItIs) {
  EXPECT_EXIT(CheckBecomes("sqlite:" + (dir_ / "roots" / "x.db").string(), "", 0, {}),
              ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(CheckBecomes("sqlite:" + (dir_ / "missing" / "x.db").string(), "", 0, {}),
              ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace lw::app
