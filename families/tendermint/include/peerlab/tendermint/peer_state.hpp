// What a node knows of one peer's consensus progress: CometBFT's PeerRoundState, kept by the
// gossip routines to decide what the peer still lacks (internal/consensus/reactor.go,
// `PeerState`, cometbft/cometbft at commit 64293d1bf24d658262fefeb71fc338bc5ccd1dbb).
//
// Contract: a peer's state only moves forward in (height, round, step); a message about another
// height or round than the one the peer is known to be at is ignored, as CometBFT ignores it.
// Bit arrays are sized lazily to the validator count of the height they describe. Nothing here
// sends: the node reads the state to pick what to send and marks what it sent.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "peerlab/tendermint/messages.hpp"
#include "peerlab/tendermint/types.hpp"

namespace peerlab::tendermint {

// A fixed-size set of small integers (validator indices, part indices). Up to kInlineBits the
// words live in the object itself: a node reads a peer's vote bits on every HasVote and vote it
// handles, and a heap block per bit array made each such read a second cache miss (and every
// round step of every peer a free and a malloc).
class Bits {
 public:
  Bits() = default;
  explicit Bits(std::uint32_t size) : size_(size) {
    if (WordCount() > kInlineWords) heap_.assign(WordCount(), 0);
  }
  Bits(const Bits&) = default;
  Bits& operator=(const Bits&) = default;
  // A moved-from Bits is empty (its heap words, if any, went with the move).
  Bits(Bits&& o) noexcept : size_(o.size_), inline_(o.inline_), heap_(std::move(o.heap_)) {
    o.size_ = 0;
  }
  Bits& operator=(Bits&& o) noexcept {
    size_ = o.size_;
    inline_ = o.inline_;
    heap_ = std::move(o.heap_);
    o.size_ = 0;
    return *this;
  }
  std::uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool Get(std::uint32_t i) const { return i < size_ && (data()[i / 64] >> (i % 64) & 1U) != 0; }
  void Set(std::uint32_t i) {
    if (i < size_) data()[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  std::uint32_t Count() const;
  bool All() const { return Count() == size_; }
  // The wire form (tendermint.libs.bits.BitArray) and back; From ignores a size mismatch by
  // keeping `size` bits.
  BitArray ToWire() const;
  static Bits FromWire(const BitArray& wire, std::uint32_t size);
  // Sets every bit `other` has (sizes may differ; extra bits are ignored).
  void Or(const Bits& other);
  std::span<const std::uint64_t> words() const { return {data(), WordCount()}; }

 private:
  static constexpr std::uint32_t kInlineWords = 4;  // 256 validators or parts
  std::uint32_t WordCount() const { return (size_ + 63) / 64; }
  const std::uint64_t* data() const {
    return WordCount() > kInlineWords ? heap_.data() : inline_.data();
  }
  std::uint64_t* data() { return WordCount() > kInlineWords ? heap_.data() : inline_.data(); }

  std::uint32_t size_ = 0;
  std::array<std::uint64_t, kInlineWords> inline_{};
  std::vector<std::uint64_t> heap_;  // used instead of inline_ above kInlineWords words
};

struct PeerRoundState {
  Height height = 0;  // 0: nothing heard yet
  Round round = -1;
  RoundStep step = RoundStep::kNewHeight;
  bool has_proposal = false;
  PartSetHeader parts_header;
  bool parts_known = false;  // parts_header and parts are set
  Bits parts;
  Round proposal_pol_round = -1;
  Bits proposal_pol;
  Bits prevotes;
  Bits precommits;
  Round last_commit_round = -1;
  Bits last_commit;
  Round catchup_commit_round = -1;
  Bits catchup_commit;
};

class PeerState {
 public:
  const PeerRoundState& prs() const { return prs_; }

  void ApplyNewRoundStep(const NewRoundStep& m);
  void ApplyNewValidBlock(const NewValidBlock& m);
  void ApplyProposalPol(const ProposalPol& m, std::uint32_t validators);
  void ApplyHasVote(const HasVote& m);
  void ApplyHasProposalBlockPart(const HasProposalBlockPart& m);
  // `ours`: which of the votes for m.block_id we hold, when we are at m.height; null otherwise.
  void ApplyVoteSetBits(const VoteSetBits& m, const Bits* ours);

  // The peer has (or was sent) this proposal / part / vote.
  void SetHasProposal(const Proposal& p);
  void SetHasPart(Height height, Round round, std::uint32_t index);
  void SetHasVote(Height height, Round round, SignedMsgType type, ValidatorIndex index);
  // A vote the peer sent us: makes sure the bit arrays of our height (and the one before)
  // exist, then marks it.
  void SetHasVoteFromPeer(const Vote& vote, Height our_height, std::uint32_t validators);
  // For catch-up: the peer is at a height whose block we hold; start tracking its parts.
  void InitParts(const PartSetHeader& header);
  // A commit of `round` at the peer's height is being sent: track it as the catch-up commit.
  void EnsureCatchupCommitRound(Height height, Round round, std::uint32_t validators);
  void EnsureVoteBits(Height height, std::uint32_t validators);

  // The peer's record of votes of (height, round, type), or null when it is not tracked (the
  // vote is then not worth sending).
  const Bits* VoteBits(Height height, Round round, SignedMsgType type) const;

 private:
  Bits* MutableVoteBits(Height height, Round round, SignedMsgType type);
  PeerRoundState prs_;
};

}  // namespace peerlab::tendermint
