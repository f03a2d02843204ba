// Entry points: text or file -> decoded Config -> environment overrides -> validation.
#include "config/loader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>

#include "config/internal.h"
#include "core/file.h"

namespace neo::config {
namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

std::string syntax_error(const std::string& source, const YAML::Exception& e) {
  return source + ": line " + std::to_string(e.mark.line + 1) + ", column " +
         std::to_string(e.mark.column + 1) + ": " + e.msg;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems_)
    : std::runtime_error(join_lines(problems_)), problems(std::move(problems_)) {}

namespace detail {

// Counts the documents of a YAML stream with yaml-cpp's own parser, stopping at `cap`:
// YAML::LoadAll (yaml-cpp 0.7) keeps finding empty documents forever on input such as ",".
// Anything after the first document (a second one, or junk after a flow mapping) counts.
std::size_t count_documents(const std::string& text, std::size_t cap) {
  struct Ignore final : YAML::EventHandler {
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } ignore;
  std::istringstream in(text);
  YAML::Parser parser(in);
  std::size_t documents = 0;
  while (documents < cap && parser.HandleNextDocument(ignore)) ++documents;
  return documents;
}

Config decode_text(const std::string& text, const Environment& env, const std::string& source,
                   Problems& problems) {
  Config config;
  try {
    constexpr std::size_t kCap = 16;
    if (std::size_t documents = count_documents(text, kCap); documents > 1) {
      std::string got = documents < kCap ? std::to_string(documents) : "16 or more";
      problems.bad_value("(top level)", "", "expected one YAML document, got " + got);
    } else {
      YAML::Node document = YAML::Load(text);
      if (document.IsDefined() && !document.IsNull()) decode_document(document, config, problems);
    }
  } catch (const YAML::Exception& e) {
    // A syntax error leaves nothing reliable to validate: it is the only problem reported.
    throw ConfigError({syntax_error(source, e)});
  }
  apply_environment(env, config, problems);
  return config;
}

}  // namespace detail

namespace {

Config load(const std::string& text, const Environment& env, const std::string& source) {
  detail::Problems problems;
  Config config = detail::decode_text(text, env, source, problems);
  detail::check_config(config, problems);
  if (!problems.empty()) throw ConfigError(problems.take());
  return config;
}

}  // namespace

Loaded load_with_problems(const std::string& path, const Environment& env) {
  Loaded loaded;
  std::string text;
  if (auto error = read_file(path, text)) {
    loaded.problems = {path + ": cannot read: " + *error};
    return loaded;
  }
  try {
    detail::Problems problems;
    loaded.config = detail::decode_text(text, env, path, problems);
    detail::check_config(loaded.config, problems);
    loaded.problems = problems.take();
    loaded.decoded = true;
  } catch (const ConfigError& error) {  // a syntax error: nothing else can be trusted
    loaded.problems = error.problems;
  }
  return loaded;
}

Config load_from_text(const std::string& yaml_text, const Environment& env) {
  return load(yaml_text, env, "yaml");
}

Config load_from_file(const std::string& path, const Environment& env) {
  std::string text;
  if (auto error = read_file(path, text)) throw ConfigError({path + ": cannot read: " + *error});
  return load(text, env, path);
}

}  // namespace neo::config
