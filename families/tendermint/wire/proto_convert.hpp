// Conversions between peerlab's Tendermint values and the generated protobuf messages, shared by
// the consensus, mempool and block codecs. Internal to peerlab_tendermint_wire.
//
// To*: fill a protobuf message exactly as CometBFT's Go encoder would write the value (the
// sub-messages it always writes are set even when empty; hashes that are zero are left empty).
// From*: range-check and convert; an error names the field by its path from the top message.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/tendermint/messages.hpp"
#include "peerlab/tendermint/types.hpp"
#include "peerlab/tendermint/wire.hpp"
#include "peerlab/util/status.hpp"
#include "proto_walk.hpp"
#include "tendermint/libs/bits/types.pb.h"
#include "tendermint/types/block.pb.h"
#include "tendermint/types/evidence.pb.h"
#include "tendermint/types/types.pb.h"

namespace peerlab::tendermint::wire_detail {

namespace pb = ::tendermint;

// Where a value sits: the top message's full name and the field path to it.
class Where {
 public:
  explicit Where(std::string root) : root_(std::move(root)) {}
  Where In(std::string_view field) const {
    Where w(root_);
    w.prefix_ = prefix_ + std::string(field) + ".";
    return w;
  }
  Status Bad(std::string_view field, const std::string& what) const {
    return Status::Error(root_ + ": " + prefix_ + std::string(field) + ": " + what);
  }

 private:
  std::string root_;
  std::string prefix_;
};

// Parses `bytes` into `out` after the structural check, refusing input above `max_bytes`.
Status ParseChecked(std::span<const std::uint8_t> bytes, std::size_t max_bytes,
                    google::protobuf::Message& out);
std::vector<std::uint8_t> Serialize(const google::protobuf::Message& message);

std::string HashBytes(const Hash256& hash);  // zero hash -> empty
Status HashFrom(const std::string& bytes, const Where& where, std::string_view field, Hash256& out);
Status AddressFrom(const std::string& bytes, const Where& where, std::string_view field, Address& out);
Status SignatureFrom(const std::string& bytes, const Where& where, std::string_view field,
                     Signature& out);

void ToProto(std::int64_t unix_ns, google::protobuf::Timestamp& out);
Status TimeFrom(const google::protobuf::Timestamp& ts, const Where& where, std::string_view field,
                std::int64_t& unix_ns);

Status HeightFrom(std::int64_t height, bool allow_zero, const Where& where, std::string_view field,
                  Height& out);
Status RoundFrom(std::int32_t round, Round min, const Where& where, std::string_view field, Round& out);
Status VoteTypeFrom(int type, const Where& where, std::string_view field, SignedMsgType& out);

void ToProto(const PartSetHeader& header, pb::types::PartSetHeader& out);
Status FromProto(const pb::types::PartSetHeader& in, const Where& where, PartSetHeader& out);
void ToProto(const BlockId& id, pb::types::BlockID& out);
Status FromProto(const pb::types::BlockID& in, const Where& where, BlockId& out);

void ToProto(const BitArray& bits, pb::libs::bits::BitArray& out);
// bits in [0, max_bits] and exactly ceil(bits / 64) words.
Status FromProto(const pb::libs::bits::BitArray& in, std::int64_t max_bits, const Where& where,
                 BitArray& out);

void ToProto(const Vote& vote, pb::types::Vote& out);
Status FromProto(const pb::types::Vote& in, const Where& where, Vote& out);
void ToProto(const Proposal& proposal, pb::types::Proposal& out);
Status FromProto(const pb::types::Proposal& in, const Where& where, Proposal& out);

void ToProto(const Commit& commit, pb::types::Commit& out);
Status FromProto(const pb::types::Commit& in, const Where& where, Commit& out);
void ToProto(const DuplicateVoteEvidence& evidence, pb::types::DuplicateVoteEvidence& out);
Status FromProto(const pb::types::DuplicateVoteEvidence& in, const Where& where,
                 DuplicateVoteEvidence& out);
void ToProto(const BlockHeader& header, pb::types::Header& out);
Status FromProto(const pb::types::Header& in, const Where& where, BlockHeader& out);

}  // namespace peerlab::tendermint::wire_detail
