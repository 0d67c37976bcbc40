// JSON parsing, hex and IP text for the wire codec's text form (json.hpp).
#include "peerlab/wire_json/json.hpp"

#include <algorithm>
#include <cstdio>

namespace peerlab::bitcoin::wire {

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool Document(JsonValue& out) {
    if (!Value(out, 0)) return false;
    Space();
    if (pos_ != s_.size()) return Fail("unexpected text after the value");
    return true;
  }
  std::string error() const { return "column " + std::to_string(error_pos_ + 1) + ": " + error_; }

 private:
  bool Fail(const char* why) {
    if (error_.empty()) {
      error_ = why;
      error_pos_ = pos_;
    }
    return false;
  }
  void Space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return Fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool Value(JsonValue& out, int depth) {
    if (depth > kMaxDepth) return Fail("nested too deeply");
    Space();
    if (pos_ >= s_.size()) return Fail("unexpected end of input");
    const char c = s_[pos_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') {
      out.kind = JsonValue::Kind::kString;
      return String(out.text);
    }
    if (c == 't' || c == 'f') {
      out.kind = JsonValue::Kind::kBool;
      out.boolean = c == 't';
      return Literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') {
      out.kind = JsonValue::Kind::kNull;
      return Literal("null");
    }
    if (c == '-' || (c >= '0' && c <= '9')) return Number(out);
    return Fail("unexpected character");
  }

  bool Number(JsonValue& out) {
    const std::size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const std::size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > d;
    };
    if (!digits()) return Fail("invalid number");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) return Fail("invalid number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return Fail("invalid number");
    }
    out.kind = JsonValue::Kind::kNumber;
    out.text.assign(s_.substr(start, pos_ - start));
    return true;
  }

  static void AppendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  bool Hex4(std::uint32_t& v) {
    if (pos_ + 4 > s_.size()) return Fail("bad \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) return Fail("bad \\u escape");
      v = v * 16 + static_cast<std::uint32_t>(d);
    }
    return true;
  }

  bool String(std::string& out) {
    ++pos_;  // opening quote
    out.clear();
    while (true) {
      if (pos_ >= s_.size()) return Fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) return Fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!Hex4(cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00 && s_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            std::uint32_t lo = 0;
            if (!Hex4(lo)) return false;
            if (lo < 0xdc00 || lo >= 0xe000) return Fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default: return Fail("bad escape");
      }
    }
  }

  bool Array(JsonValue& out, int depth) {
    ++pos_;
    out.kind = JsonValue::Kind::kArray;
    Space();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      out.items.emplace_back();
      if (!Value(out.items.back(), depth + 1)) return false;
      Space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
      } else if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return true;
      } else {
        return Fail("expected ',' or ']'");
      }
    }
  }

  bool Object(JsonValue& out, int depth) {
    ++pos_;
    out.kind = JsonValue::Kind::kObject;
    Space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      Space();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Fail("expected a key string");
      std::string key;
      if (!String(key)) return false;
      if (out.Find(key) != nullptr) return Fail("duplicate key");
      Space();
      if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected ':'");
      ++pos_;
      out.members.push_back(JsonMember{std::move(key), JsonValue{}});
      if (!Value(out.members.back().value, depth + 1)) return false;
      Space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
      } else if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      } else {
        return Fail("expected ',' or '}'");
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
  std::size_t error_pos_ = 0;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseIpv4(std::string_view s, std::uint8_t* out) {
  int part = 0;
  std::size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    unsigned v = 0;
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 3) v = v * 10 + (s[i++] - '0');
    if (v > 255 || (i - start > 1 && s[start] == '0')) return false;
    out[part++] = static_cast<std::uint8_t>(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

}  // namespace

Result<JsonValue> ParseJson(std::string_view text) {
  JsonValue v;
  Parser p(text);
  if (!p.Document(v)) return Status::Error(p.error());
  return v;
}

std::string ToHex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

bool FromHex(std::string_view hex, std::vector<std::uint8_t>& out) {
  if (hex.size() % 2 != 0) return false;
  out.resize(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::string FormatIp(const std::array<std::uint8_t, 16>& ip) {
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char buf[64];
  if (std::equal(ip.begin(), ip.begin() + 12, kMapped)) {
    std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", ip[12], ip[13], ip[14], ip[15]);
    return buf;
  }
  std::uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<std::uint16_t>((ip[2 * i] << 8) | ip[2 * i + 1]);
  // RFC 5952: the longest run (two or more, first if tied) of zero groups becomes "::".
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof(buf), "%x", g[i]);
    out += buf;
  }
  return out;
}

bool ParseIp(std::string_view s, std::array<std::uint8_t, 16>& ip) {
  ip.fill(0);
  if (s.find(':') == std::string_view::npos) {
    ip[10] = ip[11] = 0xff;
    return ParseIpv4(s, ip.data() + 12);
  }
  // Groups before and after an optional "::"; the last group may be a dotted IPv4 tail.
  std::uint8_t head[16], tail[16];
  int head_n = 0, tail_n = 0;
  bool gap = false;
  std::size_t i = 0;
  if (s.substr(0, 2) == "::") {
    gap = true;
    i = 2;
  }
  while (i < s.size()) {
    std::size_t end = s.find(':', i);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view part = s.substr(i, end - i);
    std::uint8_t* dst = gap ? tail : head;
    int& n = gap ? tail_n : head_n;
    if (part.find('.') != std::string_view::npos) {
      if (end != s.size() || n + 4 > 16 || !ParseIpv4(part, dst + n)) return false;
      n += 4;
    } else {
      if (part.empty() || part.size() > 4 || n + 2 > 16) return false;
      unsigned v = 0;
      for (char c : part) {
        const int d = HexValue(c);
        if (d < 0) return false;
        v = v * 16 + static_cast<unsigned>(d);
      }
      dst[n++] = static_cast<std::uint8_t>(v >> 8);
      dst[n++] = static_cast<std::uint8_t>(v);
    }
    i = end;
    if (i < s.size()) {
      if (s.substr(i, 2) == "::") {
        if (gap) return false;
        gap = true;
        i += 2;
      } else {
        ++i;
        if (i == s.size()) return false;
      }
    }
  }
  if (gap ? head_n + tail_n > 14 : head_n != 16) return false;
  std::copy(head, head + head_n, ip.begin());
  std::copy(tail, tail + tail_n, ip.end() - tail_n);
  return true;
}

}  // namespace peerlab::bitcoin::wire
