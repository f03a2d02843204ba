// YAML tree -> Config, driven by the field tables in internal.h. Never throws on bad
// input: every unknown key and ill-typed value becomes a problem and loading goes on, so
// one run reports everything.
#include <yaml-cpp/yaml.h>

#include <set>

#include "config/internal.h"

namespace neo::config::detail {
namespace {

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return quoted(node.Scalar());
    default:
      return "nothing";
  }
}

class Decoder {
 public:
  explicit Decoder(Problems& problems) : problems_(problems) {}

  template <Scalar T>
  void decode(const YAML::Node& node, const std::string& path, T& out) {
    if (node.IsNull() && std::is_same_v<T, std::string>) {
      out = T{};  // `key:` with nothing after it: an empty string
    } else if (!node.IsScalar()) {
      mismatch(node, path, expectation(out));
    } else if (auto error = parse_scalar(node.Scalar(), out)) {
      mismatch(node, path, *error);
    }
  }

  void decode(const YAML::Node& node, const std::string& path, std::vector<std::string>& out) {
    if (!start_list(node, path, "expected a list of strings")) return;
    out.clear();
    for (std::size_t i = 0; i < node.size(); ++i) {
      std::string item;
      decode(node[i], index_path(path, i), item);
      out.push_back(std::move(item));
    }
  }

  template <Described T>
  void decode(const YAML::Node& node, const std::string& path, std::vector<T>& out) {
    if (!start_list(node, path, "expected a list")) return;
    out.clear();
    for (std::size_t i = 0; i < node.size(); ++i) {
      T item;
      decode(node[i], index_path(path, i), item);
      out.push_back(std::move(item));
    }
  }

  // `roles` is a mapping: role name -> {subscribe, publish}.
  void decode(const YAML::Node& node, const std::string& path, std::vector<RoleOptions>& out) {
    if (node.IsNull()) return out.clear();
    if (!node.IsMap()) return mismatch(node, path, "expected a mapping of role names");
    out.clear();
    for_each_key(node, path, [&](const std::string& key, const YAML::Node& value) {
      RoleOptions role;
      role.name = key;
      decode(value, join_path(path, key), role);
      out.push_back(std::move(role));
    });
  }

  // `off`, or a mapping {allow: [...]} / {top: N}.
  void decode(const YAML::Node& node, const std::string& path, TenantLabels& out) {
    if (node.IsScalar() && node.Scalar() == "off") {
      out = TenantLabels{};
      return;
    }
    if (!node.IsMap() || node.size() == 0)
      return mismatch(node, path, "expected off, {allow: [tenants]} or {top: N}");
    decode<TenantLabels>(node, path, out);
    // Written out but empty would silently mean off: say so instead.
    std::uint32_t top = 1;
    const YAML::Node given = node["top"];
    if (given.IsDefined() && given.IsScalar() && !parse_scalar(given.Scalar(), top) && top == 0)
      problems_.bad_value(join_path(path, "top"), "must be at least 1 (or tenant_labels: off)");
    if (node["allow"].IsDefined() && out.allow.empty())
      problems_.bad_value(join_path(path, "allow"), "must list at least one tenant");
  }

  template <Described T>
  void decode(const YAML::Node& node, const std::string& path, T& out) {
    if (node.IsNull()) return;  // `section:` with everything commented out
    if (!node.IsMap()) return mismatch(node, path, "expected a mapping");
    for_each_key(node, path, [&](const std::string& key, const YAML::Node& value) {
      bool known = false;
      visit_fields(out, [&](const char* name, auto& field) {
        if (key != name) return;
        known = true;
        decode(value, join_path(path, key), field);
      });
      if (!known) problems_.bad_value(join_path(path, key), "unknown key");
    });
  }

 private:
  void mismatch(const YAML::Node& node, const std::string& path, const std::string& expected) {
    problems_.bad_value(path, expected + ", got " + describe(node));
  }

  bool start_list(const YAML::Node& node, const std::string& path, const char* expected) {
    if (node.IsNull() || node.IsSequence()) return true;
    mismatch(node, path, expected);
    return false;
  }

  // Calls fn(key, value) for each entry of a mapping, reporting odd and repeated keys.
  template <class Fn>
  void for_each_key(const YAML::Node& node, const std::string& path, Fn&& fn) {
    std::set<std::string> seen;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        problems_.bad_value(path.empty() ? "(top level)" : path, "keys must be plain names");
        continue;
      }
      const std::string& key = entry.first.Scalar();
      if (!seen.insert(key).second) {
        problems_.bad_value(join_path(path, key), "duplicate key");
        continue;
      }
      fn(key, entry.second);
    }
  }

  Problems& problems_;
};

}  // namespace

void decode_document(const YAML::Node& root, Config& config, Problems& problems) {
  if (!root.IsNull() && !root.IsMap()) {
    problems.bad_value("(top level)", "", "expected a mapping of sections, got " + describe(root));
    return;
  }
  Decoder(problems).decode(root, "", config);
}

void decode_string_list(const YAML::Node& node, const std::string& path,
                        std::vector<std::string>& out, Problems& problems) {
  Decoder(problems).decode(node, path, out);
}

}  // namespace neo::config::detail
