// Hex and IP text for the wire codec's text form (json.hpp).
#include "peerlab/wire_json/json.hpp"

#include <algorithm>
#include <cstdio>

namespace peerlab::bitcoin::wire {

namespace {

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
