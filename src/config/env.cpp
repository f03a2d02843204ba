// NEO_EVENTS_* environment overrides. Key names contain underscores themselves
// (hmac_secret), so a variable name cannot be split back into a path; instead the env name
// of every settable key is generated from the field tables and looked up.
#include <yaml-cpp/yaml.h>

#include <unistd.h>
#include <cctype>
#include <functional>
#include <utility>

#include "config/internal.h"

namespace neo::config {
namespace {

constexpr std::string_view kPrefix = "NEO_EVENTS_";
// Read by tooling (the integration tests, the CLI), never settings.
constexpr std::string_view kReserved[] = {"NEO_EVENTS_BIN", "NEO_EVENTS_CONFIG"};

using Setter = std::function<void(const std::string& value, const std::string& var,
                                  detail::Problems& problems)>;

struct Setting {
  std::string path;
  Setter set;
};

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return std::string(text);
}

// "a, b" or a flow list `["a","b"]`; empty items are dropped so "" clears the list.
void parse_list(const std::string& value, const std::string& var, const std::string& path,
                std::vector<std::string>& out, detail::Problems& problems) {
  const std::string text = trim(value);
  if (text.starts_with("[")) {
    try {
      // Item problems are named after the variable, and count as a failure of `path`.
      detail::Problems items;
      detail::decode_string_list(YAML::Load(text), var, out, items);
      problems.merge(std::move(items), path);
    } catch (const YAML::Exception& e) {
      problems.bad_value(var, path, "expected a list like [\"a\", \"b\"] or a,b: " + e.msg);
    }
    return;
  }
  out.clear();
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t comma = std::min(text.find(',', start), text.size());
    std::string item = trim(std::string_view(text).substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
}

// Walks the options tree building env name -> setting; collections of structs
// (namespaces, roles, ...) are not settable and are listed separately for a clearer error.
class Collector {
 public:
  std::map<std::string, Setting> settings;
  std::map<std::string, std::string> structured;  // env name -> key path

  template <detail::Described T>
  void walk(T& object, const std::string& path) {
    detail::visit_fields(
        object, [&](const char* key, auto& field) { add(field, detail::join_path(path, key)); });
  }

 private:
  static std::string env_name(const std::string& path) {
    std::string name(kPrefix);
    for (char c : path)
      name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
  }

  template <detail::Described T>
  void add(T& object, const std::string& path) {
    walk(object, path);
  }

  template <class T>
  void add(std::vector<T>& /*items*/, const std::string& path) {
    structured[env_name(path)] = path;
  }

  void add(std::vector<std::string>& list, const std::string& path) {
    settings[env_name(path)] = {path,
                                [&list, path](const std::string& value, const std::string& var,
                                              detail::Problems& problems) {
                                  parse_list(value, var, path, list, problems);
                                }};
  }

  template <detail::Scalar T>
  void add(T& field, const std::string& path) {
    settings[env_name(path)] = {
        path, [&field, path](const std::string& value, const std::string& var,
                             detail::Problems& problems) {
          if (auto error = detail::parse_scalar(value, field))
            problems.bad_value(var, path, *error + ", got " + detail::quoted(value));
        }};
  }
};

bool reserved(const std::string& name) {
  for (auto r : kReserved)
    if (r == name) return true;
  return false;
}

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::size_t eq = text.find('=');
    if (!text.starts_with(kPrefix) || eq == std::string_view::npos) continue;
    env[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
  }
  return env;
}

namespace detail {

void apply_environment(const Environment& env, Config& config, Problems& problems) {
  Collector table;
  table.walk(config, "");
  for (const auto& [var, value] : env) {
    if (!var.starts_with(kPrefix) || reserved(var)) continue;
    if (auto it = table.settings.find(var); it != table.settings.end()) {
      it->second.set(value, var, problems);
      problems.set_by_env(it->second.path, var);
    } else if (auto s = table.structured.find(var); s != table.structured.end()) {
      problems.bad_value(var, s->second,
                         "cannot be set from the environment; set " + s->second + " in the file");
    } else {
      problems.bad_value(var, var, "unknown setting");
    }
  }
}

}  // namespace detail
}  // namespace neo::config
