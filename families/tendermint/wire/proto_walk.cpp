// The structural pre-check of protobuf input (proto_walk.hpp), written from the protobuf
// encoding specification (protobuf.dev/programming-guides/encoding): a record is a varint tag
// (field_number << 3 | wire_type) followed by a varint (type 0), 8 bytes (type 1), a varint
// length and that many bytes (type 2) or 4 bytes (type 5); types 3 and 4 are the deprecated
// groups.
#include "proto_walk.hpp"

#include <limits>
#include <string>
#include <vector>

namespace peerlab::tendermint::wire_detail {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Unknown fields are skipped unparsed and no message of ours contains itself, so the schema
// bounds the nesting (7 levels at most); this guard keeps recursion bounded should a recursive
// message ever be added.
constexpr int kMaxNesting = 16;
constexpr std::uint64_t kMaxFieldNumber = (1u << 29) - 1;

enum WireType : int { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

const char* WireTypeName(int wire_type) {
  switch (wire_type) {
    case kVarint: return "varint";
    case kFixed64: return "64-bit";
    case kLengthDelimited: return "length-delimited";
    case 3: case 4: return "group";
    case kFixed32: return "32-bit";
    default: return "invalid";
  }
}

// The wire type a field's values use when not packed.
int ExpectedWireType(const FieldDescriptor& field) {
  switch (field.type()) {
    case FieldDescriptor::TYPE_DOUBLE:
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64: return kFixed64;
    case FieldDescriptor::TYPE_FLOAT:
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32: return kFixed32;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
    case FieldDescriptor::TYPE_GROUP: return kLengthDelimited;
    default: return kVarint;
  }
}

bool ValidUtf8(const std::uint8_t* p, const std::uint8_t* end) {
  while (p < end) {
    const std::uint8_t c = *p;
    int extra;
    std::uint32_t min;
    if (c < 0x80) {
      ++p;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, min = 0x10000;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    std::uint32_t cp = c & (0x3f >> extra);
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    p += extra + 1;
  }
  return true;
}

class Walker {
 public:
  explicit Walker(const Descriptor& root) : root_(root) {}

  Status Walk(const Descriptor& message, const std::uint8_t* p, const std::uint8_t* end,
              int depth) {
    if (depth > kMaxNesting) return Fail("nested more than " + std::to_string(kMaxNesting) + " deep");
    while (p < end) {
      std::uint64_t tag = 0;
      if (Status s = ReadVarint(p, end, tag, "tag"); !s.ok()) return s;
      const std::uint64_t number = tag >> 3;
      const int wire_type = static_cast<int>(tag & 7);
      if (number == 0 || number > kMaxFieldNumber) {
        return Fail("invalid field number " + std::to_string(number));
      }
      const FieldDescriptor* field = message.FindFieldByNumber(static_cast<int>(number));
      path_.push_back(field ? field->name() : "field " + std::to_string(number));
      Status s = field ? Field(*field, wire_type, p, end, depth) : Unknown(wire_type, p, end);
      if (!s.ok()) return s;
      path_.pop_back();
    }
    return Status::Ok();
  }

 private:
  Status Fail(const std::string& what) const {
    std::string message = root_.full_name();
    if (!path_.empty()) {
      message += ": ";
      for (std::size_t i = 0; i < path_.size(); ++i) message += (i ? "." : "") + path_[i];
    }
    return Status::Error(message + ": " + what);
  }

  Status ReadVarint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& value,
                    const char* what) const {
    value = 0;
    for (int i = 0; i < 10; ++i) {
      if (p == end) return Fail(std::string("truncated ") + what);
      const std::uint8_t b = *p++;
      // The tenth byte may only hold the 64th bit.
      if (i == 9 && b > 1) return Fail(std::string("malformed ") + what + " (over 64 bits)");
      value |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) return Status::Ok();
    }
    return Fail(std::string("malformed ") + what + " (over 10 bytes)");
  }

  Status Skip(const std::uint8_t*& p, const std::uint8_t* end, std::size_t n, const char* what) const {
    if (static_cast<std::size_t>(end - p) < n) {
      return Fail(std::string("truncated ") + what + " (needs " + std::to_string(n) + " bytes, " +
                  std::to_string(end - p) + " left)");
    }
    p += n;
    return Status::Ok();
  }

  Status Length(const std::uint8_t*& p, const std::uint8_t* end, std::size_t& length) const {
    std::uint64_t n = 0;
    if (Status s = ReadVarint(p, end, n, "length"); !s.ok()) return s;
    if (n > static_cast<std::uint64_t>(end - p)) {
      return Fail("length " + std::to_string(n) + " exceeds the " + std::to_string(end - p) +
                  " bytes left");
    }
    length = static_cast<std::size_t>(n);
    return Status::Ok();
  }

  // A varint value against the field's declared type.
  Status CheckVarintRange(const FieldDescriptor& field, std::uint64_t v) const {
    const auto as_signed = static_cast<std::int64_t>(v);
    switch (field.type()) {
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_ENUM:
        if (as_signed < std::numeric_limits<std::int32_t>::min() ||
            as_signed > std::numeric_limits<std::int32_t>::max()) {
          return Fail("value " + std::to_string(as_signed) + " does not fit int32");
        }
        break;
      case FieldDescriptor::TYPE_UINT32:
        if (v > std::numeric_limits<std::uint32_t>::max()) {
          return Fail("value " + std::to_string(v) + " does not fit uint32");
        }
        break;
      case FieldDescriptor::TYPE_BOOL:
        if (v > 1) return Fail("bool must be 0 or 1, got " + std::to_string(v));
        break;
      default: break;
    }
    return Status::Ok();
  }

  Status Field(const FieldDescriptor& field, int wire_type, const std::uint8_t*& p,
               const std::uint8_t* end, int depth) {
    const int expected = ExpectedWireType(field);
    const bool packable = field.is_repeated() && expected != kLengthDelimited;
    if (wire_type != expected && !(packable && wire_type == kLengthDelimited)) {
      return Fail(std::string("wire type ") + WireTypeName(wire_type) + " (" +
                  std::to_string(wire_type) + "), expected " + WireTypeName(expected) + " for " +
                  field.type_name());
    }
    std::uint64_t v = 0;
    switch (wire_type) {
      case kVarint:
        if (Status s = ReadVarint(p, end, v, "varint"); !s.ok()) return s;
        return CheckVarintRange(field, v);
      case kFixed64: return Skip(p, end, 8, "64-bit value");
      case kFixed32: return Skip(p, end, 4, "32-bit value");
      default: break;
    }
    std::size_t length = 0;
    if (Status s = Length(p, end, length); !s.ok()) return s;
    const std::uint8_t* body = p;
    p += length;
    if (packable) return Packed(field, expected, body, p);
    if (field.type() == FieldDescriptor::TYPE_MESSAGE) {
      return Walk(*field.message_type(), body, p, depth + 1);
    }
    if (field.type() == FieldDescriptor::TYPE_STRING && !ValidUtf8(body, p)) {
      return Fail("string is not valid UTF-8");
    }
    return Status::Ok();
  }

  Status Packed(const FieldDescriptor& field, int element_wire_type, const std::uint8_t* p,
                const std::uint8_t* end) const {
    while (p < end) {
      if (element_wire_type == kVarint) {
        std::uint64_t v = 0;
        if (Status s = ReadVarint(p, end, v, "packed varint"); !s.ok()) return s;
        if (Status s = CheckVarintRange(field, v); !s.ok()) return s;
      } else {
        const std::size_t width = element_wire_type == kFixed64 ? 8 : 4;
        if (Status s = Skip(p, end, width, "packed value"); !s.ok()) return s;
      }
    }
    return Status::Ok();
  }

  Status Unknown(int wire_type, const std::uint8_t*& p, const std::uint8_t* end) const {
    std::uint64_t v = 0;
    std::size_t length = 0;
    switch (wire_type) {
      case kVarint: return ReadVarint(p, end, v, "varint");
      case kFixed64: return Skip(p, end, 8, "64-bit value");
      case kFixed32: return Skip(p, end, 4, "32-bit value");
      case kLengthDelimited:
        if (Status s = Length(p, end, length); !s.ok()) return s;
        p += length;
        return Status::Ok();
      default:
        return Fail(std::string("unsupported wire type ") + WireTypeName(wire_type) + " (" +
                    std::to_string(wire_type) + ")");
    }
  }

  const Descriptor& root_;
  std::vector<std::string> path_;
};

}  // namespace

Status CheckWireStructure(const Descriptor& root, std::span<const std::uint8_t> bytes) {
  Walker walker(root);
  return walker.Walk(root, bytes.data(), bytes.data() + bytes.size(), 0);
}

}  // namespace peerlab::tendermint::wire_detail
