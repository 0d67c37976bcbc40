// JsonWriter: the results' way to write a JSON document member by member, on nlohmann-json
// (peerlab/util/json.hpp). It builds the document and writes it with DumpJson: shortest
// round-trip numbers (std::to_chars), keys in the order written, two-space indentation.
// nlohmann's header stays out of this one (the document lives in the .cpp): every writer of a
// result file includes it, and nlohmann's is large.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace peerlab::results {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = true);
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);  // each key once per object
  JsonWriter& String(std::string_view value);
  JsonWriter& Double(double value);  // NaN and infinities are written as null
  JsonWriter& Int(std::int64_t value);
  JsonWriter& UInt(std::uint64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  JsonWriter& Double(const std::optional<double>& value) {
    return value ? Double(*value) : Null();
  }
  // Inserts already-serialized JSON (e.g. a resolved scenario) as one value, byte for byte.
  JsonWriter& Raw(std::string_view json);

  // The document, with a trailing newline. The writer must be back at the top level.
  std::string Finish();

 private:
  struct Document;
  std::unique_ptr<Document> doc_;
};

}  // namespace peerlab::results
