#include "peerlab/results/json.hpp"

#include <utility>
#include <vector>

#include "peerlab/util/assert.hpp"
#include "peerlab/util/json.hpp"

namespace peerlab::results {

struct JsonWriter::Document {
  // Places `value` where the document is: after a key, into the open array, or as the root.
  // Returns it, for containers that stay open.
  Json& Place(Json value);

  bool pretty = true;
  bool has_root = false;
  std::optional<std::string> key;  // a key waiting for its value
  Json root;
  std::vector<Json*> open;  // the containers not yet ended, outermost first
};

JsonWriter::JsonWriter(bool pretty) : doc_(std::make_unique<Document>()) { doc_->pretty = pretty; }
JsonWriter::~JsonWriter() = default;

// Pointers in `open` stay valid: only the innermost open container ever grows, and each outer
// one holds its open child as its last element, which nothing moves while it is open.
Json& JsonWriter::Document::Place(Json value) {
  if (open.empty()) {
    PEERLAB_ASSERT(!has_root);  // one top-level value
    has_root = true;
    root = std::move(value);
    return root;
  }
  Json& parent = *open.back();
  if (parent.is_object()) {
    PEERLAB_ASSERT(key.has_value());  // object members need Key() first
    auto [it, inserted] = parent.emplace(std::move(*key), std::move(value));
    PEERLAB_ASSERT(inserted);  // a key written twice would lose a value
    key.reset();
    return it.value();
  }
  parent.push_back(std::move(value));
  return parent.back();
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  PEERLAB_ASSERT(!doc_->open.empty() && doc_->open.back()->is_object() && !doc_->key.has_value());
  doc_->key = std::string(key);
  return *this;
}

JsonWriter& JsonWriter::BeginObject() {
  doc_->open.push_back(&doc_->Place(Json::object()));
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  PEERLAB_ASSERT(!doc_->open.empty() && doc_->open.back()->is_object() && !doc_->key.has_value());
  doc_->open.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  doc_->open.push_back(&doc_->Place(Json::array()));
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  PEERLAB_ASSERT(!doc_->open.empty() && doc_->open.back()->is_array());
  doc_->open.pop_back();
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  doc_->Place(Json(std::string(value)));
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  doc_->Place(Json(value));  // DumpJson writes non-finite values as null
  return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t value) {
  doc_->Place(Json(value));
  return *this;
}

JsonWriter& JsonWriter::UInt(std::uint64_t value) {
  doc_->Place(Json(value));
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  doc_->Place(Json(value));
  return *this;
}

JsonWriter& JsonWriter::Null() {
  doc_->Place(Json(nullptr));
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  doc_->Place(RawJson(json));
  return *this;
}

std::string JsonWriter::Finish() {
  PEERLAB_ASSERT(doc_->open.empty() && !doc_->key.has_value() && doc_->has_root);
  std::string out = DumpJson(doc_->root, {.pretty = doc_->pretty});
  out.push_back('\n');
  return out;
}

}  // namespace peerlab::results
