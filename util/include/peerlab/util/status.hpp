// Errors at boundaries (LevelDB's habit): user and file input produce a Status or Result<T>
// carrying one readable message; nothing throws across the simulation loop.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "peerlab/util/assert.hpp"

namespace peerlab {

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !message_.has_value(); }
  // The full error line, e.g. "scenarios/x.yaml:3:5: network.nodes: must be at least 2".
  const std::string& message() const {
    PEERLAB_ASSERT(message_.has_value());
    return *message_;
  }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

// A value or an error. Accessing the value of an error is a programmer error (asserts).
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status error) : error_(std::move(error)) { PEERLAB_ASSERT(!error_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return error_; }
  T& value() & {
    PEERLAB_ASSERT(ok());
    return *value_;
  }
  const T& value() const& {
    PEERLAB_ASSERT(ok());
    return *value_;
  }
  T&& value() && {
    PEERLAB_ASSERT(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Status error_;
};

}  // namespace peerlab
