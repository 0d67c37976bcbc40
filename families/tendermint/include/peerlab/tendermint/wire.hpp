// The Tendermint wire codec: CometBFT's protobuf encoding of the messages in messages.hpp.
//
// Contract:
//  - Encode gives the bytes CometBFT's Go encoder gives for the same values (field order,
//    sub-messages CometBFT always writes even when empty, zero fields left out), so
//    WireSize(m) == Encode(m).size() is the message's real size on a link. The field list
//    lives once, in families/tendermint/proto; sizes come from protobuf's own ByteSizeLong.
//  - Decode never throws and never trusts a length: input above the channel's maximum is
//    refused before parsing, every tag's wire type is checked against the .proto, and every
//    value is range-checked (heights, rounds, hash and signature lengths, bit arrays, part
//    indices). An error names the message and the field path, e.g.
//    "tendermint.consensus.Message: vote.vote.signature: must be 64 bytes, got 3".
//  - Decode(Encode(m)) == m for every valid m. Content peerlab does not model (block part and
//    transaction bytes) is decoded to its length only.
// No protobuf header is included here; the generated code is private to the library.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/tendermint/messages.hpp"
#include "peerlab/tendermint/types.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::tendermint {

// The consensus reactor's envelope (tendermint.consensus.Message), at most
// kMaxConsensusMessageBytes.
std::vector<std::uint8_t> Encode(const ConsensusMessage& message);
Result<ConsensusMessage> Decode(std::span<const std::uint8_t> bytes);
std::size_t WireSize(const ConsensusMessage& message);

// The mempool channel's message (tendermint.mempool.Message with Txs), at most
// MaxMempoolMessageBytes().
std::vector<std::uint8_t> EncodeMempool(const MempoolTxs& txs);
Result<MempoolTxs> DecodeMempool(std::span<const std::uint8_t> bytes);
std::size_t WireSize(const MempoolTxs& txs);
// CometBFT sizes the mempool channel's receive limit as a Message holding one transaction of
// max_tx_bytes (kMaxTxBytes).
std::size_t MaxMempoolMessageBytes();

// The evidence channel's message (tendermint.types.EvidenceList), at most
// kMaxEvidenceMessageBytes.
std::vector<std::uint8_t> EncodeEvidence(const EvidenceList& list);
Result<EvidenceList> DecodeEvidence(std::span<const std::uint8_t> bytes);
std::size_t WireSize(const EvidenceList& list);

// A whole block (tendermint.types.Block), at most kMaxBlockSizeBytes. The block's part count
// is PartCount(WireSize(block)).
std::vector<std::uint8_t> EncodeBlock(const Block& block);
Result<Block> DecodeBlock(std::span<const std::uint8_t> bytes);
std::size_t WireSize(const Block& block);
std::uint32_t PartCount(std::size_t block_bytes);

// google.protobuf.Timestamp as the wire carries it.
struct WireTimestamp {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  bool operator==(const WireTimestamp&) const = default;
};
// Go's zero time.Time (0001-01-01T00:00:00Z), which CometBFT writes for an unset time.
inline constexpr WireTimestamp kGoZeroTime{-62135596800, 0};
WireTimestamp ToWireTimestamp(std::int64_t unix_ns);

// The bytes a validator signs for a vote: tendermint.types.CanonicalVote, prefixed with its
// length as a varint (CometBFT's VoteSignBytes). A vote for nil has no block id field.
std::vector<std::uint8_t> VoteSignBytes(std::string_view chain_id, const Vote& vote);
// The same with an explicit wire timestamp (CometBFT's test vectors use Go's zero time, which
// an int64 of nanoseconds since 1970 cannot hold).
std::vector<std::uint8_t> VoteSignBytes(std::string_view chain_id, SignedMsgType type,
                                        Height height, Round round, const BlockId& block_id,
                                        WireTimestamp timestamp);

}  // namespace peerlab::tendermint
