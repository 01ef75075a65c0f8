// SecretBox (common/secret_box): sealing round trips, another key or a
// changed byte opens nothing, and the key file is made once, mode 0600.
#include "common/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace lw {
namespace {

const std::string kKeyA(32, 'a');
const std::string kKeyB(32, 'b');

TEST(SecretBox, SealsWithANewNonceEachTimeAndOpensWithItsKeyOnly) {
  auto a = SecretBox::FromKey(kKeyA);
  auto b = SecretBox::FromKey(kKeyB);
  const std::string sealed = a->Seal("hunter2");
  EXPECT_TRUE(sealed.starts_with("sb1:"));
  EXPECT_EQ(sealed.find("hunter2"), std::string::npos);
  EXPECT_NE(sealed, a->Seal("hunter2"));
  EXPECT_EQ(a->Open(sealed), "hunter2");
  EXPECT_EQ(a->Open(a->Seal("")), "");
  EXPECT_FALSE(b->Open(sealed));
  std::string changed = sealed;
  changed[10] = changed[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(a->Open(changed));
  for (const char* junk : {"", "hunter2", "sb1:", "sb1:!!!", "sb1:AAAA"})
    EXPECT_FALSE(a->Open(junk));
}

TEST(SecretBox, MakesTheKeyFileOnceOwnerOnlyAndReadsItBack) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("lw-secret-box-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "k.key").string();
  ASSERT_EQ(SecretBox::CreateIfMissing(path), true);
  ASSERT_EQ(SecretBox::CreateIfMissing(path), false) << "an existing key is never replaced";
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto one = SecretBox::Load(path);
  auto two = SecretBox::Load(path);
  ASSERT_TRUE(one && two);
  EXPECT_EQ((*two)->Open((*one)->Seal("same key")), "same key");

  auto missing = SecretBox::Load((dir / "nope.key").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot read the secret key file"), std::string::npos);
  std::ofstream((dir / "short.key").string()) << "c2hvcnQ=\n";
  auto short_key = SecretBox::Load((dir / "short.key").string());
  ASSERT_FALSE(short_key);
  EXPECT_NE(short_key.error().message.find("does not hold a Leadwire secret key"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(SecretBox, ASqliteDatabasesKeyLivesBesideIt) {
  EXPECT_EQ(DefaultSecretKeyFile("sqlite:/var/lib/leadwire/leadwire.db"),
            "/var/lib/leadwire/leadwire.db.key");
  EXPECT_EQ(DefaultSecretKeyFile("postgresql://db/leadwire"), "");
}

}  // namespace
}  // namespace lw
