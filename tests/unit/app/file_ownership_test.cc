// GiveToFolderOwner: what root makes in a service user's folder becomes that
// user's; nothing else changes hands.
#include "app/file_ownership.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace lw::app {
namespace {

namespace fs = std::filesystem;

uid_t OwnerOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_uid;
}

class FileOwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "only root hands files over";
    dir_ = fs::temp_directory_path() / ("lw-own-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "service");
    fs::create_directories(dir_ / "roots");
    ASSERT_EQ(::chown((dir_ / "service").c_str(), kUser, kUser), 0);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  static fs::path Touch(const fs::path& p) {
    std::ofstream(p) << "x";
    return p;
  }
  static constexpr uid_t kUser = 65534;  // nobody
  fs::path dir_;
};

TEST_F(FileOwnershipTest, RootsFilesInAUsersFolderBecomeTheUsers) {
  const auto db = Touch(dir_ / "service" / "leadwire.db");
  const auto key = Touch(dir_ / "service" / "leadwire.db.key");
  GiveToFolderOwner(DatabaseFiles("sqlite:" + db.string(), key.string()));
  EXPECT_EQ(OwnerOf(db), kUser);
  EXPECT_EQ(OwnerOf(key), kUser);
}

TEST_F(FileOwnershipTest, RootsFolderAndOtherUsersFilesStayAsTheyAre) {
  const auto in_roots = Touch(dir_ / "roots" / "leadwire.db");
  const auto theirs = Touch(dir_ / "service" / "other.key");
  ASSERT_EQ(::chown(theirs.c_str(), 1, 1), 0);  // daemon's, in nobody's folder
  GiveToFolderOwner({in_roots.string(), theirs.string(), (dir_ / "service" / "missing").string()});
  EXPECT_EQ(OwnerOf(in_roots), 0u);
  EXPECT_EQ(OwnerOf(theirs), 1u);
}

TEST(DatabaseFilesTest, SqliteHasItsJournalFilesPostgresqlOnlyTheKey) {
  EXPECT_EQ(DatabaseFiles("sqlite:/var/lib/leadwire/leadwire.db", "/k"),
            (std::vector<std::string>{"/var/lib/leadwire/leadwire.db",
                                      "/var/lib/leadwire/leadwire.db-wal",
                                      "/var/lib/leadwire/leadwire.db-shm", "/k"}));
  EXPECT_EQ(DatabaseFiles("postgresql://db/leadwire", ""), std::vector<std::string>{});
}

}  // namespace
}  // namespace lw::app
