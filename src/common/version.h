// What this build is: the release (CMake's project(VERSION), the one place
// it is set) and the commit it was built from (`git describe`, written at
// build time by cmake/git_describe.cmake). Shown by `leadwire --version`,
// /healthz, and the User-Agent of webhooks.
#pragma once

#include <string>

namespace lw {

inline constexpr const char* kVersion = LEADWIRE_VERSION;
extern const char* const kGitDescribe;

// "leadwire 0.1.0 (v0.1.0-12-gabc1234)"
inline std::string VersionLine() {
  return std::string("leadwire ") + kVersion + " (" + kGitDescribe + ")";
}

}  // namespace lw
