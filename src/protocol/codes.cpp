#include "protocol/codes.h"

namespace neo::protocol {
namespace {

std::string_view message_of(std::uint32_t code) {
  switch (code) {
    case 100:
      return "internal server error";
    case 101:
      return "unauthorized";
    case 102:
      return "unknown channel";
    case 103:
      return "permission denied";
    case 104:
      return "method not found";
    case 105:
      return "already subscribed";
    case 106:
      return "limit exceeded";
    case 107:
      return "bad request";
    case 108:
      return "not available";
    case 109:
      return "token expired";
    case 110:
      return "expired";
    case 111:
      return "too many requests";
    case 112:
      return "unrecoverable position";
    default:
      return "error";
  }
}

}  // namespace

Error make_error(std::uint32_t code) {
  return Error{code, std::string(message_of(code)), code == 100 || code == 111};
}

Disconnect uni_connect_disconnect(std::uint32_t error) {
  switch (error) {
    case error_code::token_expired:
    case error_code::expired:
      return disconnect::connection_expired;
    case error_code::too_many_requests:
      return disconnect::too_many_requests;
    case error_code::permission_denied:
      return disconnect::permission_denied;
    default:
      return disconnect::internal;
  }
}

Error make_api_error(std::uint32_t code) {
  Error error = make_error(code);
  if (code == error_code::method_not_found) error.message = "not found";
  error.temporary = false;  // the API's error object has only code and message
  return error;
}

}  // namespace neo::protocol
