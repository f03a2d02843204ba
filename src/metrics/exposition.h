// The exposition formats: Prometheus text 0.0.4, and OpenMetrics 1.0.0 for scrapers that ask
// for it when the config allows it (as client_golang's promhttp with EnableOpenMetrics: the
// Centrifugo dashboards are written against the 0.0.4 names, which OpenMetrics changes for
// counters by adding `_total`).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/registry.h"

namespace neo::metrics {

enum class Format : std::uint8_t { text, openmetrics };

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// OpenMetrics when it is allowed and the Accept header names it, else text.
Format negotiate(std::string_view accept, bool openmetrics_allowed);
std::string_view content_type(Format format);

// Label values and HELP text escaped as both formats require.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);

class Writer {
 public:
  Writer(std::string& out, Format format) : out_(out), format_(format) {}
  Format format() const { return format_; }

  // # HELP and # TYPE of a family. OpenMetrics names a counter family without `_total`.
  void family(std::string_view name, std::string_view help, Type type);
  // One sample of the family last begun; `suffix` is "_bucket", "_sum" or "_count" for
  // histograms. Counters get `_total` in OpenMetrics. `extra` is one more label (le).
  void sample(std::string_view suffix, std::span<const std::string> labels,
              std::span<const std::string> values, std::string_view value,
              std::string_view extra_label = {}, std::string_view extra_value = {});
  // The `le` value of a bucket bound; OpenMetrics writes integral bounds as 1.0.
  std::string bound(double le) const;
  // "# EOF" for OpenMetrics; nothing for text.
  void finish();

  static std::string number(double value);
  static std::string number(std::uint64_t value) { return std::to_string(value); }
  static std::string number(std::int64_t value) { return std::to_string(value); }

 private:
  std::string& out_;
  Format format_;
  std::string family_;
  Type type_ = Type::gauge;
};

// The whole registry in `format`.
std::string expose(const Registry& registry, Format format);

}  // namespace neo::metrics
