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

// scrypt (RFC 7914) through OpenSSL 3's EVP_PBE_scrypt, filling `out`. False if OpenSSL
// rejects the parameters (n not a power of two above 1, memory beyond what it allows).
bool Scrypt(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
            std::uint64_t n, std::uint64_t r, std::uint64_t p, std::span<std::uint8_t> out);
// Litecoin's proof-of-work hash: scrypt(N=1024, r=1, p=1, 32 bytes) with `data` (the 80-byte
// header) as both password and salt, in the same internal byte order as DoubleSha256.
Hash256 ScryptPowHash(std::span<const std::uint8_t> data);

struct Hash256Hasher {
  std::size_t operator()(const Hash256& h) const {
    std::size_t v;
    static_assert(sizeof(v) <= sizeof(h.bytes));
    __builtin_memcpy(&v, h.bytes.data(), sizeof(v));
    return v;
  }
};

}  // namespace peerlab
