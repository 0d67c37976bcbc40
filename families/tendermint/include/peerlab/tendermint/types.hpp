// Plain Tendermint (CometBFT) value types shared by the consensus state machine, the gossip
// reactor and the wire codec, so that none of them has to include another.
//
// Contract: these mirror the fields of CometBFT's protobuf messages (proto/tendermint/types/
// types.proto; our own .proto files under families/tendermint/proto carry the same field numbers
// and types). The wire codec (wire.hpp) is the only code that turns them into bytes; a message's
// size is always its real protobuf encoding. Signatures are 64 bytes (Ed25519); in simulation
// their content is a deterministic stand-in, their creation and checking cost is modelled time.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <vector>

#include "peerlab/util/hash.hpp"

namespace peerlab::tendermint {

using Height = std::int64_t;  // first height is 1
using Round = std::int32_t;   // first round is 0; -1 means "none" (a proposal's pol_round)
using VotingPower = std::int64_t;
using ValidatorIndex = std::int32_t;
using Address = std::array<std::uint8_t, 20>;  // first 20 bytes of SHA-256 of the public key
using Signature = std::array<std::uint8_t, 64>;

inline constexpr std::uint32_t kBlockPartBytes = 65536;  // CometBFT's BlockPartSizeBytes

// tendermint.types.SignedMsgType (the values are the wire values).
enum class SignedMsgType : std::int32_t {
  kUnknown = 0,
  kPrevote = 1,
  kPrecommit = 2,
  kProposal = 32,
};

// CometBFT's RoundStepType: a node's step within a round, as NewRoundStep carries it on the
// wire (a uint32 there).
enum class RoundStep : std::uint8_t {
  kNewHeight = 1,  // the commit wait before round 0 of a height
  kNewRound = 2,
  kPropose = 3,
  kPrevote = 4,
  kPrevoteWait = 5,  // prevoted, +2/3 prevotes for anything seen, timeout_prevote running
  kPrecommit = 6,
  kPrecommitWait = 7,  // precommitted, +2/3 precommits for anything seen, timeout running
  kCommit = 8,
};

// tendermint.types.PartSetHeader: a block split into `total` parts of kBlockPartBytes, with the
// Merkle root of the parts.
struct PartSetHeader {
  std::uint32_t total = 0;
  Hash256 hash;
  bool operator==(const PartSetHeader&) const = default;
  auto operator<=>(const PartSetHeader&) const = default;
};

// tendermint.types.BlockID. The zero value (IsNil) is a vote for nil.
struct BlockId {
  Hash256 hash;
  PartSetHeader part_set_header;
  bool IsNil() const { return *this == BlockId{}; }
  bool operator==(const BlockId&) const = default;
  auto operator<=>(const BlockId&) const = default;
};

// tendermint.types.Vote (without vote extensions, which CometBFT leaves empty unless the
// application enables them).
struct Vote {
  SignedMsgType type = SignedMsgType::kUnknown;
  Height height = 0;
  Round round = 0;
  BlockId block_id;               // nil for a vote for nothing
  std::int64_t timestamp_ns = 0;  // google.protobuf.Timestamp on the wire
  Address validator_address{};
  ValidatorIndex validator_index = 0;
  Signature signature{};
  bool operator==(const Vote&) const = default;
};

// tendermint.types.Proposal.
struct Proposal {
  Height height = 0;
  Round round = 0;
  Round pol_round = -1;  // the round of the proof of lock, -1 if none
  BlockId block_id;
  std::int64_t timestamp_ns = 0;
  Signature signature{};
  bool operator==(const Proposal&) const = default;
};

// tendermint.libs.bits.BitArray: `bits` bits packed little-endian into 64-bit words.
struct BitArray {
  std::int64_t bits = 0;
  std::vector<std::uint64_t> elems;
  bool operator==(const BitArray&) const = default;
};

// One validator as the validator set holds it.
struct Validator {
  Address address{};
  VotingPower voting_power = 0;
  std::int64_t proposer_priority = 0;
  bool operator==(const Validator&) const = default;
};

}  // namespace peerlab::tendermint
