#include "peerlab/util/hash.hpp"

#include <openssl/sha.h>

namespace peerlab {

namespace {
std::string Hex(const std::array<std::uint8_t, 32>& bytes, bool reversed) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < 32; ++i) {
    const std::uint8_t b = bytes[reversed ? 31 - i : i];
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}
}  // namespace

std::string Hash256::ToHex() const { return Hex(bytes, true); }
std::string Hash256::ToDigestHex() const { return Hex(bytes, false); }

Hash256 Sha256(std::span<const std::uint8_t> data) {
  Hash256 h;
  SHA256(data.data(), data.size(), h.bytes.data());
  return h;
}

Hash256 DoubleSha256(std::span<const std::uint8_t> data) {
  Hash256 once = Sha256(data);
  return Sha256(once.bytes);
}

}  // namespace peerlab
