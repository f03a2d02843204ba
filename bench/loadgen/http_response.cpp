#include "http_response.h"

#include <cctype>
#include <charconv>

namespace bench::http {
namespace {

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  return true;
}

}  // namespace

ParseResult parse_response(std::string_view data, Response& response) {
  size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return ParseResult::kIncomplete;
  std::string_view head = data.substr(0, head_end);
  if (!head.starts_with("HTTP/1.") || head.size() < 12) return ParseResult::kError;
  int status = 0;
  std::from_chars(head.data() + 9, head.data() + 12, status);
  size_t length = 0;
  bool has_length = false;
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos) {
    size_t next = head.find("\r\n", pos + 2);
    std::string_view line = head.substr(
        pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    if (iequals_prefix(line, "content-length:")) {
      std::string_view value = line.substr(15);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      has_length =
          std::from_chars(value.data(), value.data() + value.size(), length).ec == std::errc{};
    } else if (iequals_prefix(line, "transfer-encoding:")) {
      return ParseResult::kError;
    }
    pos = next;
  }
  if (!has_length && status != 204 && status != 304) return ParseResult::kError;
  size_t body_start = head_end + 4;
  if (data.size() - body_start < length) return ParseResult::kIncomplete;
  response.status = status;
  response.body = data.substr(body_start, length);
  response.total = body_start + length;
  return ParseResult::kResponse;
}

void append_post(std::string& out, std::string_view host_port, std::string_view path,
                 std::string_view extra_headers, std::string_view body) {
  out += "POST ";
  out += path;
  out += " HTTP/1.1\r\nHost: ";
  out += host_port;
  out += "\r\n";
  out += extra_headers;
  out += "Content-Length: ";
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, body.size()).ptr;
  out.append(digits, end);
  out += "\r\n\r\n";
  out += body;
}

}  // namespace bench::http
