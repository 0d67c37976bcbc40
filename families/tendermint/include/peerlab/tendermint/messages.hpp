// The Tendermint (CometBFT) messages peers exchange, as plain peerlab values: the consensus
// reactor's ten messages, the mempool's transaction batches, and a block with its commit and
// evidence. wire.hpp turns them into CometBFT's protobuf bytes and back.
//
// Content that peerlab does not model is carried as a length only: a block part's bytes and a
// transaction's bytes are that many zero bytes when encoded, and decoding keeps only the
// length. Every size that reaches a link is therefore the real encoded size.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "peerlab/tendermint/types.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::tendermint {

// Limits CometBFT enforces, used by the decoder as bounds.
inline constexpr std::int64_t kMaxBlockSizeBytes = 100 * 1024 * 1024;  // types/params.go
inline constexpr std::uint32_t kMaxBlockPartsCount =                    // types/params.go
    kMaxBlockSizeBytes / kBlockPartBytes + 1;
inline constexpr std::size_t kMaxConsensusMessageBytes = 1048576;  // consensus reactor maxMsgSize
inline constexpr std::size_t kMaxEvidenceMessageBytes = 1048576;   // evidence reactor maxMsgSize
inline constexpr std::size_t kMaxMerkleAunts = 100;                // crypto/merkle MaxAunts
inline constexpr std::int64_t kMaxVotesCount = 10000;              // types/vote_set.go MaxVotesCount
inline constexpr std::uint32_t kMaxTxBytes = 1048576;              // mempool max_tx_bytes default


struct NewRoundStep {
  Height height = 0;
  Round round = 0;
  RoundStep step = RoundStep::kNewHeight;
  std::int64_t seconds_since_start_time = 0;
  Round last_commit_round = -1;
  bool operator==(const NewRoundStep&) const = default;
};

struct NewValidBlock {
  Height height = 0;
  Round round = 0;
  PartSetHeader block_part_set_header;
  BitArray block_parts;  // bits == block_part_set_header.total
  bool is_commit = false;
  bool operator==(const NewValidBlock&) const = default;
};

struct ProposalMessage {
  Proposal proposal;
  bool operator==(const ProposalMessage&) const = default;
};

struct ProposalPol {
  Height height = 0;
  Round proposal_pol_round = 0;
  BitArray proposal_pol;
  bool operator==(const ProposalPol&) const = default;
};

// tendermint.crypto.Proof of one part within its block's part set.
struct PartProof {
  std::int64_t total = 0;
  std::int64_t index = 0;
  Hash256 leaf_hash;
  std::vector<Hash256> aunts;
  bool operator==(const PartProof&) const = default;
};

struct BlockPart {
  Height height = 0;
  Round round = 0;
  std::uint32_t index = 0;
  std::uint32_t size_bytes = 0;  // the part's length; at most kBlockPartBytes
  PartProof proof;               // proof.index == index, proof.index < proof.total
  bool operator==(const BlockPart&) const = default;
};

struct VoteMessage {
  Vote vote;
  bool operator==(const VoteMessage&) const = default;
};

struct HasVote {
  Height height = 0;
  Round round = 0;
  SignedMsgType type = SignedMsgType::kPrevote;
  ValidatorIndex index = 0;
  bool operator==(const HasVote&) const = default;
};

struct VoteSetMaj23 {
  Height height = 0;
  Round round = 0;
  SignedMsgType type = SignedMsgType::kPrevote;
  BlockId block_id;
  bool operator==(const VoteSetMaj23&) const = default;
};

struct VoteSetBits {
  Height height = 0;
  Round round = 0;
  SignedMsgType type = SignedMsgType::kPrevote;
  BlockId block_id;
  BitArray votes;
  bool operator==(const VoteSetBits&) const = default;
};

struct HasProposalBlockPart {
  Height height = 0;
  Round round = 0;
  std::uint32_t index = 0;
  bool operator==(const HasProposalBlockPart&) const = default;
};

// One message of the consensus reactor (tendermint.consensus.Message), in the envelope's field
// order: the variant index + 1 is the oneof field number.
using ConsensusMessage =
    std::variant<NewRoundStep, NewValidBlock, ProposalMessage, ProposalPol, BlockPart, VoteMessage,
                 HasVote, VoteSetMaj23, VoteSetBits, HasProposalBlockPart>;

// tendermint.mempool.Message carrying Txs: the transactions' lengths, in order.
struct MempoolTxs {
  std::vector<std::uint32_t> tx_sizes;
  bool operator==(const MempoolTxs&) const = default;
};

// tendermint.types.DuplicateVoteEvidence: one validator signed two conflicting votes.
struct DuplicateVoteEvidence {
  Vote vote_a;
  Vote vote_b;
  VotingPower total_voting_power = 0;
  VotingPower validator_power = 0;
  std::int64_t timestamp_ns = 0;
  bool operator==(const DuplicateVoteEvidence&) const = default;
};

// tendermint.types.EvidenceList, the evidence channel's message (and a block's evidence).
struct EvidenceList {
  std::vector<DuplicateVoteEvidence> evidence;
  bool operator==(const EvidenceList&) const = default;
};

// tendermint.types.BlockIDFlag.
enum class BlockIdFlag : std::int32_t {
  kAbsent = 1,
  kCommit = 2,
  kNil = 3,
};

// tendermint.types.CommitSig. An absent slot carries no address, time or signature (these
// fields stay zero here; on the wire the time is Go's zero time, as CometBFT writes it).
struct CommitSig {
  BlockIdFlag flag = BlockIdFlag::kAbsent;
  Address validator_address{};
  std::int64_t timestamp_ns = 0;
  Signature signature{};
  bool operator==(const CommitSig&) const = default;
};

struct Commit {
  Height height = 0;
  Round round = 0;
  BlockId block_id;
  std::vector<CommitSig> signatures;
  bool operator==(const Commit&) const = default;
};

// tendermint.types.Header. A zero hash stands for an empty hash field (CometBFT leaves hashes
// empty where there is nothing to hash, e.g. the last block id at height 1).
struct BlockHeader {
  std::uint64_t version_block = 11;  // CometBFT's block protocol version
  std::uint64_t version_app = 0;
  std::string chain_id;
  Height height = 0;
  std::int64_t time_ns = 0;
  BlockId last_block_id;
  Hash256 last_commit_hash;
  Hash256 data_hash;
  Hash256 validators_hash;
  Hash256 next_validators_hash;
  Hash256 consensus_hash;
  Hash256 app_hash;
  Hash256 last_results_hash;
  Hash256 evidence_hash;
  Address proposer_address{};
  bool operator==(const BlockHeader&) const = default;
};

// tendermint.types.Block, transactions as lengths.
struct Block {
  BlockHeader header;
  std::vector<std::uint32_t> tx_sizes;
  std::vector<DuplicateVoteEvidence> evidence;
  Commit last_commit;
  bool operator==(const Block&) const = default;
};

}  // namespace peerlab::tendermint
