// Plain Bitcoin value types shared by the block store and the wire codec, so that neither has
// to include the other: the 80-byte block header and its size.
//
// Contract: BlockHeader's field list (Fields) is its one description; its 80-byte
// serialization, its id and its JSON form all derive from it (wire/fields.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "peerlab/util/hash.hpp"

namespace peerlab::bitcoin {

inline constexpr std::size_t kHeaderBytes = 80;

struct BlockHeader {
  std::int32_t version = 1;
  Hash256 prev;
  Hash256 merkle_root;
  std::uint32_t time = 0;
  std::uint32_t bits = 0;
  std::uint32_t nonce = 0;

  bool operator==(const BlockHeader&) const = default;

  // Bitcoin's 80-byte serialization (little-endian integers, hashes in internal order).
  void Serialize(std::span<std::uint8_t, kHeaderBytes> out) const;
  Hash256 Id() const;  // double-SHA256 of the serialization

  // The fields in wire order with their JSON names ("hash" is shown, never read).
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& h) {
    s.Derived("hash", [&] { return h.Id(); });
    s.Field("version", h.version);
    s.Field("prev_block", h.prev);
    s.Field("merkle_root", h.merkle_root);
    s.Field("time", h.time);
    s.Field("bits", h.bits);
    s.Field("nonce", h.nonce);
  }
};

}  // namespace peerlab::bitcoin
