// JsonWriter: a small streaming JSON writer with deterministic output. Numbers use the
// shortest form that reads back to the same double (std::to_chars), so the same values always
// give the same bytes; keys appear in the order written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peerlab::results {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = true) : pretty_(pretty) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Double(double value);  // NaN and infinities are written as null
  JsonWriter& Int(std::int64_t value);
  JsonWriter& UInt(std::uint64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  JsonWriter& Double(const std::optional<double>& value) {
    return value ? Double(*value) : Null();
  }
  // Inserts already-serialized JSON (e.g. a resolved scenario) as one value.
  JsonWriter& Raw(std::string_view json);

  // The document, with a trailing newline. The writer must be back at the top level.
  std::string Finish();

 private:
  void BeforeValue();
  void Newline();
  struct Level {
    bool is_object;
    bool empty = true;
  };
  bool pretty_;
  bool after_key_ = false;
  std::vector<Level> stack_;
  std::string out_;
};

std::string FormatDouble(double value);  // shortest round-trip form, e.g. "0.1", "1e+21"
std::string JsonEscape(std::string_view s);

}  // namespace peerlab::results
