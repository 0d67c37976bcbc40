#include "peerlab/bitcoin/chain_params.hpp"

#include <array>
#include <string>

#include "peerlab/util/assert.hpp"

namespace peerlab::bitcoin {
namespace {

std::vector<std::uint8_t> FromHex(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
  }
  return out;
}

BlockHeader HeaderOf(const std::vector<std::uint8_t>& block) {
  PEERLAB_ASSERT(block.size() > kHeaderBytes);
  wire::Reader r(std::span<const std::uint8_t>(block.data(), kHeaderBytes));
  BlockHeader h;
  const bool ok = wire::ReadHeader(r, h);
  PEERLAB_ASSERT(ok);
  return h;
}

// Bitcoin's genesis block with regtest's header fields (time 1296688602, bits 0x207fffff,
// nonce 2): the coinbase quoting The Times of 3 January 2009, 50 BTC to Satoshi's key.
constexpr std::string_view kBitcoinRegtestGenesis =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b2"
    "7ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f20020000000101000000010000"
    "000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d01044554"
    "68652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f6620"
    "7365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0"
    "fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de"
    "5c384df7ba0b8d578a4c702b6bf11d5fac00000000";

// Litecoin's regtest genesis block, as litecoind 0.21 returns it (`getblock <id> 0`): the
// NY Times of 5 October 2011, time 1296688602, bits 0x207fffff, nonce 0.
constexpr std::string_view kLitecoinRegtestGenesis =
    "010000000000000000000000000000000000000000000000000000000000000000000000d9ced4ed1130f7b7"
    "faad9be25323ffafa33232a17c3edf6cfd97bee6bafbdd97dae5494dffff7f20000000000101000000010000"
    "000000000000000000000000000000000000000000000000000000000000ffffffff4804ffff001d0104404e"
    "592054696d65732030352f4f63742f32303131205374657665204a6f62732c204170706c65e2809973205669"
    "73696f6e6172792c2044696573206174203536ffffffff0100f2052a010000004341040184710fa689ad5023"
    "690c80f3a49c8f13f8d45b8c857fbcbc8bc4a8e4d3eb4b10f4d4604fa08dce601aaf0f470216fe1b51850b4a"
    "cf21b179c45070ac7b03a9ac00000000";

ChainParams Make(std::string_view name, std::uint16_t port, std::string_view genesis_hex,
                 PowKind pow, bool segwit) {
  ChainParams c;
  c.name = name;
  c.magic = wire::kMagicRegtest;  // all three are regtest chains: fa bf b5 da
  c.default_port = port;
  c.genesis_block = FromHex(genesis_hex);
  c.genesis = HeaderOf(c.genesis_block);
  c.pow = pow;
  c.segwit = segwit;
  return c;
}

}  // namespace

// Function-local constants (not namespace-scope objects), so no static initialisation order
// problem can reach them; they are immutable facts, not mutable globals.
// The simulation's chain is Bitcoin regtest's genesis with synthetic blocks on it: headers
// are never ground (the mining oracle decides who finds a block), so its PoW is never checked,
// and its blocks carry no witnesses.
const ChainParams& PeerlabSimChain() {
  static const ChainParams c =
      Make("peerlab-sim", 18444, kBitcoinRegtestGenesis, PowKind::kSha256d, false);
  return c;
}
const ChainParams& LitecoinRegtestChain() {
  static const ChainParams c =
      Make("litecoin-regtest", 19444, kLitecoinRegtestGenesis, PowKind::kScrypt, true);
  return c;
}
const ChainParams& BitcoinRegtestChain() {
  static const ChainParams c =
      Make("bitcoin-regtest", 18444, kBitcoinRegtestGenesis, PowKind::kSha256d, true);
  return c;
}
std::span<const ChainParams* const> AllChains() {
  static const std::array<const ChainParams*, 3> all = {&PeerlabSimChain(),
                                                         &LitecoinRegtestChain(),
                                                         &BitcoinRegtestChain()};
  return all;
}

Result<const ChainParams*> FindChainParams(std::string_view name) {
  std::string valid;
  for (const ChainParams* c : AllChains()) {
    if (c->name == name) return c;
    valid += (valid.empty() ? "" : ", ") + std::string(c->name);
  }
  return Status::Error("unknown chain '" + std::string(name) + "' (valid: " + valid + ")");
}

std::uint64_t BlockSubsidy(const ChainParams& chain, std::uint32_t height) {
  const std::uint32_t halvings = height / chain.halving_interval;
  if (halvings >= 64) return 0;  // Core: a shift by 64 or more is undefined, the subsidy is 0
  return chain.initial_subsidy >> halvings;
}

std::optional<Hash256> TargetFromCompactBits(std::uint32_t bits) {
  const std::uint32_t exponent = bits >> 24;
  std::uint32_t mantissa = bits & 0x007fffff;
  if (mantissa == 0 || (bits & 0x00800000) != 0) return std::nullopt;  // zero or negative
  Hash256 target;
  if (exponent <= 3) {
    mantissa >>= 8 * (3 - exponent);
    if (mantissa == 0) return std::nullopt;
    for (int i = 0; i < 3; ++i) target.bytes[i] = static_cast<std::uint8_t>(mantissa >> (8 * i));
    return target;
  }
  // mantissa * 256^(exponent-3): its three bytes land at little-endian offset exponent-3.
  for (std::uint32_t i = 0; i < 3; ++i) {
    const auto byte = static_cast<std::uint8_t>(mantissa >> (8 * i));
    const std::uint32_t at = exponent - 3 + i;
    if (at >= 32) {
      if (byte != 0) return std::nullopt;  // overflow
      continue;
    }
    target.bytes[at] = byte;
  }
  return target;
}

bool HashAtMost(const Hash256& a, const Hash256& b) {
  for (int i = 31; i >= 0; --i) {
    if (a.bytes[i] != b.bytes[i]) return a.bytes[i] < b.bytes[i];
  }
  return true;
}

Hash256 PowHash(const BlockHeader& header, const ChainParams& chain) {
  std::uint8_t buf[kHeaderBytes];
  header.Serialize(buf);
  return chain.pow == PowKind::kScrypt ? ScryptPowHash(buf) : DoubleSha256(buf);
}

bool CheckProofOfWork(const BlockHeader& header, const ChainParams& chain) {
  const auto target = TargetFromCompactBits(header.bits);
  const auto limit = TargetFromCompactBits(chain.bits);
  if (!target || !limit || !HashAtMost(*target, *limit)) return false;
  return HashAtMost(PowHash(header, chain), *target);
}

}  // namespace peerlab::bitcoin
