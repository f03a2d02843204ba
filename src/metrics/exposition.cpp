#include "metrics/exposition.h"

#include <charconv>
#include <cmath>

namespace neo::metrics {

namespace {

std::string_view type_name(Type type) {
  switch (type) {
    case Type::counter:
      return "counter";
    case Type::gauge:
      return "gauge";
    case Type::histogram:
      return "histogram";
  }
  return "untyped";
}

std::string_view without_total(std::string_view name) {
  constexpr std::string_view kTotal = "_total";
  return name.ends_with(kTotal) ? name.substr(0, name.size() - kTotal.size()) : name;
}

// Backslash and newline always; the double quote only inside label values.
std::string escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || (quote && c == '"')) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

Format negotiate(std::string_view accept, bool openmetrics_allowed) {
  if (openmetrics_allowed && accept.find("application/openmetrics-text") != std::string_view::npos)
    return Format::openmetrics;
  return Format::text;
}

std::string_view content_type(Format format) {
  return format == Format::openmetrics ? kOpenMetricsContentType : kTextContentType;
}

std::string escape_label_value(std::string_view value) { return escape(value, true); }
std::string escape_help(std::string_view help) { return escape(help, false); }

std::string Writer::number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc{} ? std::string(buffer, end) : "NaN";
}

std::string Writer::bound(double le) const {
  std::string text = number(le);
  bool integral = text.find_first_of(".eEIN") == std::string::npos;
  if (format_ == Format::openmetrics && integral) text += ".0";
  return text;
}

void Writer::family(std::string_view name, std::string_view help, Type type) {
  type_ = type;
  family_ = name;
  std::string_view declared =
      format_ == Format::openmetrics && type == Type::counter ? without_total(name) : name;
  out_ += "# HELP ";
  out_ += declared;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += declared;
  out_ += ' ';
  out_ += type_name(type);
  out_ += '\n';
}

void Writer::sample(std::string_view suffix, std::span<const std::string> labels,
                    std::span<const std::string> values, std::string_view value,
                    std::string_view extra_label, std::string_view extra_value) {
  if (format_ == Format::openmetrics && type_ == Type::counter) {
    out_ += without_total(family_);
    out_ += "_total";
  } else {
    out_ += family_;
  }
  out_ += suffix;
  bool any = !labels.empty() || !extra_label.empty();
  if (any) out_ += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out_ += ',';
    out_ += labels[i];
    out_ += "=\"";
    out_ += escape_label_value(values[i]);
    out_ += '"';
  }
  if (!extra_label.empty()) {
    if (!labels.empty()) out_ += ',';
    out_ += extra_label;
    out_ += "=\"";
    out_ += extra_value;
    out_ += '"';
  }
  if (any) out_ += '}';
  out_ += ' ';
  out_ += value;
  out_ += '\n';
}

void Writer::finish() {
  if (format_ == Format::openmetrics) out_ += "# EOF\n";
}

std::string expose(const Registry& registry, Format format) {
  std::string out;
  Writer writer(out, format);
  registry.write(writer);
  writer.finish();
  return out;
}

}  // namespace neo::metrics
