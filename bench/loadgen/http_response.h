// HTTP/1.1 response parsing for keep-alive publishers: status line, Content-Length body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bench::http {

struct Response {
  int status = 0;
  std::string_view body;
  size_t total = 0;  // bytes of the whole response
};

enum class ParseResult { kResponse, kIncomplete, kError };

// Parses one response at the start of data. Chunked bodies are not supported (an error):
// every server under test answers publishes with a Content-Length.
ParseResult parse_response(std::string_view data, Response& response);

// Hands every complete response at the start of `data` to `each`; returns the bytes used, or
// data.size() after calling `bad` for an unparsable response (the stream cannot be resumed).
template <typename Each, typename Bad>
size_t for_each_response(std::string_view data, Each&& each, Bad&& bad) {
  size_t consumed = 0;
  Response response;
  while (true) {
    auto result = parse_response(data.substr(consumed), response);
    if (result == ParseResult::kIncomplete) return consumed;
    if (result == ParseResult::kError) {
      bad();
      return data.size();
    }
    consumed += response.total;
    each(response);
  }
}

void append_post(std::string& out, std::string_view host_port, std::string_view path,
                 std::string_view extra_headers, std::string_view body);

}  // namespace bench::http
