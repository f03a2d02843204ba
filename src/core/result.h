// Result<T>: a value or a protocol error (code + message), for expected failures on every
// path that answers a client or an API caller. Exceptions are for start-up only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace neo {

struct Error {
  std::uint32_t code = 0;
  std::string message;
  bool temporary = false;
};

template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

struct Unit {};

}  // namespace neo
