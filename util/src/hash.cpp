#include "peerlab/util/hash.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "peerlab/util/assert.hpp"

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

bool Scrypt(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
            std::uint64_t n, std::uint64_t r, std::uint64_t p, std::span<std::uint8_t> out) {
  // scrypt needs 128 * r * (n + p) bytes (plus slack); OpenSSL's default cap is 32 MiB, which
  // the RFC's larger vectors exceed, so the cap is set from the parameters.
  const std::uint64_t maxmem = 128 * r * (n + p + 2) + (1u << 20);
  return EVP_PBE_scrypt(reinterpret_cast<const char*>(password.data()), password.size(),
                        salt.data(), salt.size(), n, r, p, maxmem, out.data(), out.size()) == 1;
}

Hash256 ScryptPowHash(std::span<const std::uint8_t> data) {
  Hash256 h;
  const bool ok = Scrypt(data, data, 1024, 1, 1, h.bytes);
  PEERLAB_ASSERT(ok);  // fixed, valid parameters: only an allocation failure could refuse them
  return h;
}

}  // namespace peerlab
