// Config text -> neo::config::load_from_text. Bad input must come back as ConfigError (every
// problem with its key path); any other exception, or a crash, is a bug.
//
// Input: the YAML text, optionally followed by a NUL byte and NEO_EVENTS_* overrides as
// NAME=VALUE lines (the environment of load_from_text).
#include <cstdint>
#include <exception>
#include <string>
#include <typeinfo>

#include "config/loader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  neo::fuzz::Input in(data, size);
  const std::string yaml(in.until('\0'));
  neo::config::Environment env;
  for (std::string_view rest = in.rest(); !rest.empty();) {
    auto end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    auto eq = line.find('=');
    if (eq != std::string_view::npos) env[std::string(line.substr(0, eq))] = line.substr(eq + 1);
  }

  try {
    neo::config::Config config = neo::config::load_from_text(yaml, env);
    // load_* validates: what it returns must pass validation on its own.
    auto problems = neo::config::validate(config);
    if (!problems.empty())
      neo::fuzz::fail("load_from_text returned an invalid config", problems[0]);
  } catch (const neo::config::ConfigError& e) {
    if (e.problems.empty()) neo::fuzz::fail("ConfigError with no problem listed");
  } catch (const std::exception& e) {
    std::string what = std::string(typeid(e).name()) + ": " + e.what();
    neo::fuzz::fail("load_from_text threw something other than ConfigError", what);
  } catch (...) {
    neo::fuzz::fail("load_from_text threw a non-std exception");
  }
  return 0;
}
