#include "app/config_sources.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

namespace lw::app {

namespace {

// "allow-destination" → "LEADWIRE_ALLOW_DESTINATION"
std::string EnvName(const std::string& name) {
  std::string out = "LEADWIRE_";
  for (char ch : name) out += ch == '-' ? '_' : char(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

// The value of `--flag VALUE` or `--flag=VALUE` in `args`, if given.
std::optional<std::string> ValueOf(const std::vector<std::string>& args, const std::string& flag) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].starts_with(flag + "=")) return args[i].substr(flag.size() + 1);
    if (args[i] == flag) return i + 1 < args.size() ? args[i + 1] : "";
  }
  return std::nullopt;
}

Error FileProblem(const std::string& file, const std::string& what) {
  return Error{ErrorKind::kBadRequest, "bad_config", file + ": " + what, {}};
}

// The options of `sub` the environment and the file may give, by name.
std::map<std::string, const CLI::Option*> Configurable(const CLI::App& sub, bool is_serve) {
  // What the database commands share with serve; their other options (init's
  // --org, user add's --role) are not serve's and keep to the command line.
  static const std::set<std::string> kDatabaseKeys = {"db", "secret-key-file", "config"};
  std::map<std::string, const CLI::Option*> options;
  for (const CLI::Option* opt : sub.get_options()) {
    const auto& names = opt->get_lnames();
    if (names.empty() || names.front() == "help") continue;
    if (is_serve || kDatabaseKeys.count(names.front())) options[names.front()] = opt;
  }
  return options;
}

}  // namespace

Result<std::vector<std::string>> WithEnvironmentAndFile(const CLI::App& sub,
                                                        const std::vector<std::string>& path,
                                                        const CLI::App& serve,
                                                        std::vector<std::string> args) {
  if (args.size() < path.size() || !std::equal(path.begin(), path.end(), args.begin())) return args;
  const std::vector<std::string> given = args;
  std::set<std::string> set;  // option names the command line or the environment gave
  const auto options = Configurable(sub, &sub == &serve);
  const auto file_keys = Configurable(serve, true);
  auto add = [&](const std::string& name, const std::vector<std::string>& values) {
    for (const auto& v : values) args.push_back("--" + name + "=" + v);
    set.insert(name);
  };
  for (const auto& [name, opt] : options) {
    if (ValueOf(given, "--" + name)) {
      set.insert(name);
      continue;
    }
    const char* value = std::getenv(EnvName(name).c_str());
    if (!value || !*value) continue;
    std::vector<std::string> values{value};
    if (opt->get_items_expected_max() > 1) {
      values.clear();
      for (const std::string& item : CLI::detail::split(value, ','))
        if (auto v = CLI::detail::trim_copy(item); !v.empty()) values.push_back(v);
    }
    add(name, values);
  }
  std::optional<std::string> file = ValueOf(args, "--config");
  if (!file || file->empty()) return args;
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(*file);
  } catch (const CLI::Error& e) {
    return Fail(FileProblem(*file, std::string("cannot be read: ") + e.what()));
  }
  for (const CLI::ConfigItem& item : items) {
    // CLI11 reports each [section] itself as an item too.
    if (item.name == "++" || item.name == "--") continue;
    if (!item.parents.empty())
      return Fail(FileProblem(*file, "unknown key \"" + item.fullname() +
                                         "\": the keys stand at the top, without sections"));
    if (!file_keys.count(item.name) || item.name == "config")
      return Fail(FileProblem(*file, "unknown key \"" + item.name +
                                         "\"; the keys are serve's option names without the "
                                         "dashes (db, listen, allow-destination, …)"));
    if (options.count(item.name) && !set.count(item.name)) add(item.name, item.inputs);
  }
  return args;
}

}  // namespace lw::app
