// SHA-256 and Bitcoin's double SHA-256 (OpenSSL's libcrypto does the hashing).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace peerlab {

// 32 bytes in internal (little-endian, as serialized on the wire) byte order.
struct Hash256 {
  std::array<std::uint8_t, 32> bytes{};

  bool operator==(const Hash256&) const = default;
  auto operator<=>(const Hash256&) const = default;

  // Display form used by Bitcoin tools: bytes reversed, lower-case hex.
  std::string ToHex() const;
  // Bytes in stored order, as sha256sum prints a digest.
  std::string ToDigestHex() const;
};

Hash256 Sha256(std::span<const std::uint8_t> data);
Hash256 DoubleSha256(std::span<const std::uint8_t> data);

struct Hash256Hasher {
  std::size_t operator()(const Hash256& h) const {
    std::size_t v;
    static_assert(sizeof(v) <= sizeof(h.bytes));
    __builtin_memcpy(&v, h.bytes.data(), sizeof(v));
    return v;
  }
};

}  // namespace peerlab
