// ChainParams: what distinguishes one Bitcoin-family chain from another, as data (design §3,
// "Chains and the open store"). The simulation uses `peerlab-sim`; a daemon picks the chain
// of the network it joins (`litecoin-regtest`, `bitcoin-regtest`).
//
// Contract: the built-in sets are immutable and live for the program's lifetime, so a
// `const ChainParams*` may be kept anywhere. Values are facts about the real chains (genesis
// bytes, magic, ports, subsidy schedule); tests check each genesis id.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/util/hash.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::bitcoin {

enum class PowKind : std::uint8_t {
  kSha256d,  // Bitcoin: the block id itself is the proof-of-work hash
  kScrypt,   // Litecoin: scrypt(N=1024, r=1, p=1) of the header; ids stay double-SHA256
};

struct ChainParams {
  std::string_view name;
  wire::Magic magic{};
  std::uint16_t default_port = 0;
  std::int32_t protocol_version = 70016;
  std::vector<std::uint8_t> genesis_block;  // the full serialized genesis block
  BlockHeader genesis;                      // its header (the first 80 bytes)
  PowKind pow = PowKind::kSha256d;
  // Compact target of every new block and the easiest one allowed. Regtest chains never
  // retarget, so a block's bits must equal this.
  std::uint32_t bits = 0x207fffff;
  std::uint32_t halving_interval = 150;
  std::uint64_t initial_subsidy = 50 * 100'000'000ULL;  // base units (satoshis, litoshis)
  // Coinbases must start with their height from here on (BIP34); we always encode it.
  std::uint32_t bip34_height = 500;
  bool segwit = true;  // witness blocks are requested and witness commitments checked

  Hash256 genesis_id() const { return genesis.Id(); }
};

// The built-in chains.
const ChainParams& PeerlabSimChain();      // what the simulation has always used
const ChainParams& LitecoinRegtestChain();
const ChainParams& BitcoinRegtestChain();
// All of them, in a fixed order.
std::span<const ChainParams* const> AllChains();
// By name; an unknown name gives an error listing the valid ones.
Result<const ChainParams*> FindChainParams(std::string_view name);

// Coinbase value allowed at `height` (no fees): initial subsidy halved every interval.
std::uint64_t BlockSubsidy(const ChainParams& chain, std::uint32_t height);

// The 256-bit target of compact `bits`, as a hash in internal byte order; nullopt if the
// encoding is negative, zero or overflows 256 bits (Core's SetCompact checks).
std::optional<Hash256> TargetFromCompactBits(std::uint32_t bits);
// The proof-of-work hash of `header` on this chain (double-SHA256 or scrypt).
Hash256 PowHash(const BlockHeader& header, const ChainParams& chain);
// Core's CheckProofOfWork: the target is valid and no easier than the chain's limit, and the
// header's proof-of-work hash, read as a little-endian 256-bit number, is at most the target.
bool CheckProofOfWork(const BlockHeader& header, const ChainParams& chain);
// a <= b as little-endian 256-bit numbers (internal byte order).
bool HashAtMost(const Hash256& a, const Hash256& b);

}  // namespace peerlab::bitcoin
