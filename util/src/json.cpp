#include "peerlab/util/json.hpp"

#include <charconv>
#include <cmath>
#include <set>
#include <vector>

#include "peerlab/util/assert.hpp"

namespace peerlab {
namespace {

template <typename Int>
void AppendInteger(Int value, std::string& out) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  PEERLAB_ASSERT(ec == std::errc());
  out.append(buf, end);
}

void AppendHexEscape(unsigned char c, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u00";
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xf]);
}

void AppendString(std::string_view s, JsonFormat::Strings style, std::string& out) {
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (style == JsonFormat::Strings::kBytesAsLatin1 && c >= 0x7f) {
      AppendHexEscape(c, out);
    } else if (style != JsonFormat::Strings::kShortControl && c < 0x20) {
      AppendHexEscape(c, out);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      AppendHexEscape(c, out);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

class Dumper {
 public:
  Dumper(const JsonFormat& format, std::string& out) : format_(format), out_(out) {}

  void Value(const Json& v, int depth) {
    using Type = Json::value_t;
    switch (v.type()) {
      case Type::null: out_ += "null"; return;
      case Type::boolean: out_ += v.get<bool>() ? "true" : "false"; return;
      case Type::number_integer: AppendInteger(v.get<std::int64_t>(), out_); return;
      case Type::number_unsigned: AppendInteger(v.get<std::uint64_t>(), out_); return;
      case Type::number_float: {
        const double d = v.get<double>();
        out_ += std::isfinite(d) ? FormatDouble(d) : "null";
        return;
      }
      case Type::string: AppendString(v.get_ref<const std::string&>(), format_.strings, out_); return;
      case Type::binary: {
        const auto& bytes = v.get_binary();
        out_.append(bytes.begin(), bytes.end());
        return;
      }
      case Type::array: {
        if (v.empty()) {
          out_ += "[]";
          return;
        }
        out_.push_back('[');
        bool first = true;
        for (const Json& item : v) {
          Separator(first, depth);
          Value(item, depth + 1);
        }
        End(depth);
        out_.push_back(']');
        return;
      }
      case Type::object: {
        if (v.empty()) {
          out_ += "{}";
          return;
        }
        out_.push_back('{');
        bool first = true;
        for (const auto& [key, item] : v.items()) {
          Separator(first, depth);
          AppendString(key, format_.strings, out_);
          out_ += format_.pretty ? ": " : ":";
          Value(item, depth + 1);
        }
        End(depth);
        out_.push_back('}');
        return;
      }
      case Type::discarded: break;
    }
    PEERLAB_ASSERT(false && "a discarded JSON value cannot be written");
  }

 private:
  bool OneLine(int depth) const { return !format_.pretty || depth >= format_.one_line_depth; }

  // Before a member or element of the container at `depth`.
  void Separator(bool& first, int depth) {
    if (!first) out_.push_back(',');
    if (OneLine(depth)) {
      if (!first && format_.pretty) out_.push_back(' ');
    } else {
      Newline(depth + 1);
    }
    first = false;
  }
  // Before the closing bracket of a non-empty container at `depth`.
  void End(int depth) {
    if (!OneLine(depth)) Newline(depth);
  }
  void Newline(int depth) {
    out_.push_back('\n');
    out_.append(2 * static_cast<std::size_t>(depth), ' ');
  }

  const JsonFormat& format_;
  std::string& out_;
};

// Thrown from the parser callback; turned into the Result's error.
struct StructureError {
  std::string message;
};

}  // namespace

std::string DumpJson(const Json& value, const JsonFormat& format) {
  std::string out;
  Dumper(format, out).Value(value, 0);
  return out;
}

Json RawJson(std::string_view json_text) {
  return Json::binary(Json::binary_t::container_type(json_text.begin(), json_text.end()));
}

std::string FormatDouble(double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  PEERLAB_ASSERT(ec == std::errc());
  return std::string(buf, end);
}

Result<Json> ParseJson(std::string_view text, int max_depth) {
  // One set of keys per open object: nlohmann keeps the last of duplicate keys silently, and a
  // file that says a thing twice is more likely a mistake than a wish.
  std::vector<std::set<std::string>> open_objects;
  const auto check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    using Event = Json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        if (depth >= max_depth) {
          throw StructureError{"nested more than " + std::to_string(max_depth) + " levels deep"};
        }
        if (event == Event::object_start) open_objects.emplace_back();
        break;
      case Event::object_end: open_objects.pop_back(); break;
      case Event::key:
        if (!open_objects.back().insert(parsed.get<std::string>()).second) {
          throw StructureError{"duplicate key \"" + parsed.get<std::string>() + "\""};
        }
        break;
      default: break;
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), check);
  } catch (const StructureError& e) {
    return Status::Error(e.message);
  } catch (const Json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 18: ..." without the
    // library's tag.
    std::string message = e.what();
    constexpr std::string_view kTag = "parse error at ";
    if (const auto at = message.find(kTag); at != std::string::npos) {
      message.erase(0, at + kTag.size());
    }
    return Status::Error(message);
  } catch (const Json::exception& e) {
    return Status::Error(e.what());
  }
}

}  // namespace peerlab
