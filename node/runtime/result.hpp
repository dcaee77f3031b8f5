// Errors as values for the runtime drivers: Result<T> holds a T or an Error; Status is the
// value-less form. Expected failures (command not found, no free port, unknown instance) come
// back this way; the drivers throw nothing on those paths.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace shoal::runtime {

struct Error {
  std::string message;  // what went wrong and on what, e.g. "exec /bin/nope: No such file ..."
  // start(): the driver can never run this spec (not a passing fault): the instance is failed
  // at once instead of restarted with back-off until the spec changes.
  bool permanent = false;
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}    // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

class Status {
 public:
  Status() = default;                                 // ok
  Status(Error error) : error_(std::move(error)) {}  // NOLINT
  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace shoal::runtime
