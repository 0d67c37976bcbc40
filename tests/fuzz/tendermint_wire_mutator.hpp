// Seeded generation and mutation fuzzing of the Tendermint wire codec
// (peerlab/tendermint/wire.hpp), shared by the standalone driver (tendermint_wire_fuzz.cpp)
// and the tests (tests/tendermint_wire_test.cpp).
//
// Generator: valid random values of every consensus message kind, evidence lists, mempool
// batches and blocks
// (extreme heights and rounds, nil and full block ids, empty and long bit arrays, zero and
// full-size parts, absent and present commit slots).
// One fuzz case: encode a valid value (mostly consensus messages, also evidence lists, mempool
// batches and blocks), then either keep it (it must decode to exactly the value), mutate it (bit flips, truncation, insertion, deletion, overlong or maximal varints,
// random tags, repeated slices, length bytes bumped) or replace it with random bytes, and decode
// it with all four decoders. Checked: no crash; every error names its
// message; every value that decodes re-encodes to bytes that decode to the same value, with
// WireSize equal to the encoded length.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "peerlab/tendermint/wire.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::tendermint_fuzz {

namespace tdm = peerlab::tendermint;

[[noreturn]] inline void Finding(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "tendermint wire fuzz finding: %s %s\n", what, detail.c_str());
  std::abort();
}

class Generator {
 public:
  explicit Generator(Rng& rng) : rng_(rng) {}

  std::uint64_t Below(std::uint64_t n) { return rng_.Below(n); }
  bool Chance(std::uint64_t one_in) { return rng_.Below(one_in) == 0; }

  tdm::Height Height() {
    if (Chance(10)) return std::int64_t{1} << 62 | static_cast<std::int64_t>(rng_.Next() >> 3);
    return 1 + static_cast<tdm::Height>(Below(Chance(2) ? 100 : 10'000'000));
  }
  tdm::Round Round() { return Chance(10) ? static_cast<tdm::Round>(Below(1u << 31)) : static_cast<tdm::Round>(Below(5)); }
  Hash256 Hash() {
    Hash256 h;
    for (auto& b : h.bytes) b = static_cast<std::uint8_t>(rng_.Next());
    if (h == Hash256{}) h.bytes[0] = 1;
    return h;
  }
  Hash256 MaybeHash() { return Chance(4) ? Hash256{} : Hash(); }
  template <std::size_t N>
  std::array<std::uint8_t, N> Fill() {
    std::array<std::uint8_t, N> a{};
    for (auto& b : a) b = static_cast<std::uint8_t>(rng_.Next());
    return a;
  }
  std::int64_t Time() {
    // Around now, sometimes before 1970 or near the ends of the int64 range.
    switch (Below(5)) {
      case 0: return -static_cast<std::int64_t>(rng_.Next() >> 2);
      case 1: return static_cast<std::int64_t>(rng_.Next() >> 1);
      default: return 1'700'000'000'000'000'000 + static_cast<std::int64_t>(Below(1'000'000'000'000'000));
    }
  }
  tdm::SignedMsgType VoteType() { return Chance(2) ? tdm::SignedMsgType::kPrevote : tdm::SignedMsgType::kPrecommit; }
  tdm::PartSetHeader PartSet() {
    return tdm::PartSetHeader{1 + static_cast<std::uint32_t>(Below(tdm::kMaxBlockPartsCount)), Hash()};
  }
  tdm::BlockId BlockIdOrNil() { return Chance(4) ? tdm::BlockId{} : tdm::BlockId{Hash(), PartSet()}; }
  tdm::BitArray Bits(std::int64_t max_bits, std::int64_t exact = -1) {
    tdm::BitArray b;
    b.bits = exact >= 0 ? exact : static_cast<std::int64_t>(Below(Chance(8) ? max_bits + 1 : 200));
    b.elems.resize(static_cast<std::size_t>((b.bits + 63) / 64));
    for (auto& e : b.elems) e = Chance(3) ? 0 : rng_.Next();
    return b;
  }
  tdm::Vote Vote() {
    tdm::Vote v;
    v.type = VoteType();
    v.height = Height();
    v.round = Round();
    v.block_id = BlockIdOrNil();
    v.timestamp_ns = Time();
    v.validator_address = Fill<20>();
    v.validator_index = static_cast<tdm::ValidatorIndex>(Below(Chance(10) ? 1u << 31 : 200));
    v.signature = Fill<64>();
    return v;
  }
  tdm::Proposal Proposal() {
    tdm::Proposal p;
    p.height = Height();
    p.round = Round();
    p.pol_round = static_cast<tdm::Round>(Below(static_cast<std::uint64_t>(p.round) + 1)) - 1;
    p.block_id = tdm::BlockId{Hash(), PartSet()};
    p.timestamp_ns = Time();
    p.signature = Fill<64>();
    return p;
  }

  tdm::ConsensusMessage Consensus(std::size_t kind) {
    switch (kind) {
      case 0: {
        tdm::NewRoundStep m{Height() - 1, Round(), static_cast<tdm::RoundStep>(1 + Below(8)),
                           static_cast<std::int64_t>(rng_.Next()), Round() - (Chance(2) ? 1 : 0)};
        if (m.last_commit_round < -1) m.last_commit_round = -1;
        return m;
      }
      case 1: {
        tdm::NewValidBlock m{Height(), Round(), PartSet(), {}, Chance(2)};
        if (Chance(5)) m.block_part_set_header.total = 0;  // an empty bit array is left out
        m.block_parts = Bits(0, m.block_part_set_header.total);
        return m;
      }
      case 2: return tdm::ProposalMessage{Proposal()};
      case 3: return tdm::ProposalPol{Height(), Round(), Bits(0, 1 + static_cast<std::int64_t>(Below(Chance(5) ? tdm::kMaxVotesCount : 300)))};
      case 4: {
        tdm::BlockPart m{Height(), Round(), 0, 0, {}};
        m.proof.total = 1 + static_cast<std::int64_t>(Below(Chance(5) ? tdm::kMaxBlockPartsCount : 64));
        m.proof.index = static_cast<std::int64_t>(Below(static_cast<std::uint64_t>(m.proof.total)));
        m.index = static_cast<std::uint32_t>(m.proof.index);
        m.size_bytes = Chance(4) ? tdm::kBlockPartBytes : static_cast<std::uint32_t>(Below(3000));
        m.proof.leaf_hash = Chance(20) ? Hash256{} : Hash();
        m.proof.aunts.resize(Below(Chance(20) ? tdm::kMaxMerkleAunts + 1 : 12));
        for (auto& a : m.proof.aunts) a = Chance(20) ? Hash256{} : Hash();
        return m;
      }
      case 5: return tdm::VoteMessage{Vote()};
      case 6: return tdm::HasVote{Height(), Round(), VoteType(), static_cast<tdm::ValidatorIndex>(Below(1u << 31))};
      case 7: return tdm::VoteSetMaj23{Height(), Round(), VoteType(), BlockIdOrNil()};
      case 8: return tdm::VoteSetBits{Height(), Round(), VoteType(), BlockIdOrNil(), Bits(tdm::kMaxVotesCount)};
      default:
        return tdm::HasProposalBlockPart{Height(), Round(), static_cast<std::uint32_t>(Below(tdm::kMaxBlockPartsCount))};
    }
  }
  tdm::ConsensusMessage AnyConsensus() { return Consensus(Below(std::variant_size_v<tdm::ConsensusMessage>)); }

  tdm::MempoolTxs Mempool() {
    tdm::MempoolTxs m;
    m.tx_sizes.resize(1 + Below(Chance(10) ? 100 : 4));
    for (auto& s : m.tx_sizes) s = static_cast<std::uint32_t>(Below(Chance(50) ? 100'000 : 600));
    return m;
  }

  tdm::Commit CommitFor(tdm::Height height) {
    tdm::Commit c;
    c.height = height;
    if (height == 0) return c;  // the empty commit of a block at height 1
    c.round = Round();
    c.block_id = tdm::BlockId{Hash(), PartSet()};
    c.signatures.resize(1 + Below(Chance(10) ? 150 : 7));
    for (auto& s : c.signatures) {
      s.flag = static_cast<tdm::BlockIdFlag>(1 + Below(3));
      if (s.flag == tdm::BlockIdFlag::kAbsent) continue;
      s.validator_address = Fill<20>();
      s.timestamp_ns = Time();
      s.signature = Fill<64>();
    }
    return c;
  }
  tdm::DuplicateVoteEvidence Evidence() {
    tdm::DuplicateVoteEvidence e;
    e.vote_a = Vote();
    e.vote_b = e.vote_a;
    e.vote_b.block_id = tdm::BlockId{Hash(), PartSet()};
    e.total_voting_power = static_cast<std::int64_t>(Below(1'000'000));
    e.validator_power = static_cast<std::int64_t>(Below(1000));
    e.timestamp_ns = Time();
    return e;
  }
  tdm::EvidenceList EvidenceMessage() {
    tdm::EvidenceList list;
    list.evidence.resize(1 + Below(3));
    for (auto& e : list.evidence) e = Evidence();
    return list;
  }
  tdm::Block Block() {
    tdm::Block b;
    auto& h = b.header;
    h.version_app = Below(3);
    h.chain_id = Chance(5) ? "" : "peerlab-chain-" + std::to_string(Below(1000));
    h.height = Chance(5) ? 1 : Height() % (std::int64_t{1} << 40) + 1;
    h.time_ns = Time();
    h.last_block_id = h.height == 1 ? tdm::BlockId{} : tdm::BlockId{Hash(), PartSet()};
    for (Hash256* x : {&h.last_commit_hash, &h.data_hash, &h.validators_hash, &h.next_validators_hash,
                       &h.consensus_hash, &h.app_hash, &h.last_results_hash, &h.evidence_hash}) {
      *x = MaybeHash();
    }
    h.proposer_address = Fill<20>();
    b.tx_sizes.resize(Below(Chance(10) ? 400 : 6));
    for (auto& s : b.tx_sizes) s = static_cast<std::uint32_t>(Below(Chance(100) ? 200'000 : 500));
    b.evidence.resize(Chance(4) ? 1 + Below(2) : 0);
    for (auto& e : b.evidence) e = Evidence();
    b.last_commit = CommitFor(h.height - 1);
    return b;
  }

 private:
  Rng& rng_;
};

struct Stats {
  std::uint64_t cases = 0;
  std::uint64_t decoded = 0;        // inputs that decoded as some message (and round-tripped)
  std::uint64_t decode_errors = 0;  // inputs refused (by every decoder tried)
};

// Mutates `bytes` in place, one to three edits.
inline void Mutate(Generator& g, std::vector<std::uint8_t>& bytes) {
  const int edits = 1 + static_cast<int>(g.Below(3));
  for (int e = 0; e < edits; ++e) {
    const std::size_t n = bytes.size();
    const std::size_t at = n ? g.Below(n) : 0;
    switch (g.Below(9)) {
      case 0:  // bit flip
        if (n) bytes[at] ^= static_cast<std::uint8_t>(1u << g.Below(8));
        break;
      case 1:  // truncate
        bytes.resize(n ? g.Below(n) : 0);
        break;
      case 2:  // insert random bytes
        for (std::uint64_t i = 0, k = 1 + g.Below(8); i < k; ++i) {
          bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(g.Below(256)));
        }
        break;
      case 3:  // delete a span
        if (n) bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                           bytes.begin() + static_cast<std::ptrdiff_t>(std::min(n, at + 1 + g.Below(8))));
        break;
      case 4: {  // an overlong (11 bytes) or maximal (10 bytes) varint
        std::vector<std::uint8_t> v(g.Chance(2) ? 10 : 9, 0xff);
        v.push_back(g.Chance(2) ? 0x01 : 0x7f);
        bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), v.begin(), v.end());
        break;
      }
      case 5:  // a random tag (any field number 1-15, any wire type)
        if (n) bytes[at] = static_cast<std::uint8_t>(((1 + g.Below(15)) << 3) | g.Below(8));
        break;
      case 6:  // bump a byte (often a length or count) by a small amount
        if (n) bytes[at] = static_cast<std::uint8_t>(bytes[at] + (g.Chance(2) ? 1 : 0xff));
        break;
      case 7:  // repeat a slice (a field given twice)
        if (n) {
          const std::size_t len = std::min(n - at, static_cast<std::size_t>(1 + g.Below(40)));
          std::vector<std::uint8_t> s(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                      bytes.begin() + static_cast<std::ptrdiff_t>(at + len));
          bytes.insert(bytes.end(), s.begin(), s.end());
        }
        break;
      default:  // random byte
        if (n) bytes[at] = static_cast<std::uint8_t>(g.Below(256));
        break;
    }
  }
}

// Anything that decodes must re-encode to bytes that decode to the same value.
template <class T, class EncodeFn, class DecodeFn>
bool CheckDecode(std::span<const std::uint8_t> bytes, EncodeFn encode, DecodeFn decode) {
  auto first = decode(bytes);
  if (!first.ok()) {
    if (first.status().message().rfind("tendermint.", 0) != 0) Finding("error names no message:", first.status().message());
    return false;
  }
  const std::vector<std::uint8_t> again = encode(*first);
  if (tdm::WireSize(*first) != again.size()) Finding("WireSize differs from the encoding's length");
  auto second = decode(again);
  if (!second.ok()) Finding("re-encoding of a decoded value does not decode:", second.status().message());
  if (!(*second == *first)) Finding("decode(encode(decode(x))) differs from decode(x)");
  return true;
}

inline bool CheckArbitraryBytes(std::span<const std::uint8_t> bytes) {
  const bool c = CheckDecode<tdm::ConsensusMessage>(
      bytes, [](const tdm::ConsensusMessage& m) { return tdm::Encode(m); },
      [](std::span<const std::uint8_t> b) { return tdm::Decode(b); });
  const bool m = CheckDecode<tdm::MempoolTxs>(
      bytes, [](const tdm::MempoolTxs& x) { return tdm::EncodeMempool(x); },
      [](std::span<const std::uint8_t> b) { return tdm::DecodeMempool(b); });
  const bool b = CheckDecode<tdm::Block>(
      bytes, [](const tdm::Block& x) { return tdm::EncodeBlock(x); },
      [](std::span<const std::uint8_t> b) { return tdm::DecodeBlock(b); });
  const bool e = CheckDecode<tdm::EvidenceList>(
      bytes, [](const tdm::EvidenceList& x) { return tdm::EncodeEvidence(x); },
      [](std::span<const std::uint8_t> b) { return tdm::DecodeEvidence(b); });
  return c || m || b || e;
}

// One case; see the file comment.
inline void RunCase(Generator& g, Stats& stats) {
  std::vector<std::uint8_t> bytes;
  const auto which = g.Below(10);
  if (which < 7) {
    const tdm::ConsensusMessage m = g.AnyConsensus();
    bytes = tdm::Encode(m);
    if (tdm::WireSize(m) != bytes.size()) Finding("consensus WireSize differs from Encode().size()");
    if (g.Chance(8)) {
      auto d = tdm::Decode(bytes);
      if (!d.ok()) Finding("a valid consensus message does not decode:", d.status().message());
      if (!(*d == m)) Finding("consensus round trip differs");
    }
  } else if (which < 8) {
    const tdm::EvidenceList m = g.EvidenceMessage();
    bytes = tdm::EncodeEvidence(m);
    if (g.Chance(8)) {
      auto d = tdm::DecodeEvidence(bytes);
      if (!d.ok() || !(*d == m)) Finding("evidence round trip fails");
    }
  } else if (which < 9) {
    const tdm::MempoolTxs m = g.Mempool();
    bytes = tdm::EncodeMempool(m);
    if (g.Chance(8)) {
      auto d = tdm::DecodeMempool(bytes);
      if (!d.ok() || !(*d == m)) Finding("mempool round trip fails");
    }
  } else {
    const tdm::Block b = g.Block();
    bytes = tdm::EncodeBlock(b);
    if (g.Chance(8)) {
      auto d = tdm::DecodeBlock(bytes);
      if (!d.ok()) Finding("a valid block does not decode:", d.status().message());
      if (!(*d == b)) Finding("block round trip differs");
    }
  }
  if (g.Chance(20)) {
    bytes.resize(g.Below(200));
    for (auto& x : bytes) x = static_cast<std::uint8_t>(g.Below(256));
  } else {
    Mutate(g, bytes);
  }
  ++stats.cases;
  if (CheckArbitraryBytes(bytes)) {
    ++stats.decoded;
  } else {
    ++stats.decode_errors;
  }
}

inline Stats RunCases(std::uint64_t cases, std::uint64_t seed) {
  Rng rng(seed);
  Generator g(rng);
  Stats stats;
  for (std::uint64_t i = 0; i < cases; ++i) RunCase(g, stats);
  return stats;
}

}  // namespace peerlab::tendermint_fuzz
