// Bitcoin's serialization primitives: a bounds-checked Reader over untrusted bytes, a Writer
// appending to a reused buffer and a Counter with the Writer's interface that only counts.
// Integers are little-endian unless named BE (ports).
//
// Contract (Reader): every read checks the remaining length first and never reads past the
// span; a failed read returns false and records the first error (sticky), after which every
// read fails. No exceptions, no allocation except what the caller's vectors need, and counts
// read from the wire are checked against a limit and against the bytes left (ReadCount)
// before anything is allocated, so an absurd count cannot allocate gigabytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/util/hash.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::bitcoin::wire {

// Limits, with their Bitcoin Core sources (docs/wire-format.md lists them all).
inline constexpr std::uint64_t kMaxSize = 0x02000000;               // serialize.h MAX_SIZE
inline constexpr std::uint32_t kMaxPayloadBytes = 4'000'000;        // net.h MAX_PROTOCOL_MESSAGE_LENGTH
inline constexpr std::size_t kMaxInvItems = 50'000;                 // net_processing MAX_INV_SZ
inline constexpr std::size_t kMaxHeaders = 2'000;                   // MAX_HEADERS_RESULTS
inline constexpr std::size_t kMaxAddrs = 1'000;                     // MAX_ADDR_TO_SEND
inline constexpr std::size_t kMaxLocatorHashes = 101;               // MAX_LOCATOR_SZ
inline constexpr std::size_t kMaxUserAgentBytes = 256;              // MAX_SUBVERSION_LENGTH
inline constexpr std::size_t kMaxAddrV2Bytes = 512;                 // netaddress.h MAX_ADDRV2_SIZE

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}

  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  bool empty() const { return pos_ == data_.size(); }
  bool failed() const { return !error_.empty(); }

  bool ReadU8(std::uint8_t& v);
  bool ReadBool(bool& v);  // one byte; any non-zero value is true, as in Core
  bool ReadU16BE(std::uint16_t& v);
  bool ReadU32(std::uint32_t& v);
  bool ReadI32(std::int32_t& v);
  bool ReadU64(std::uint64_t& v);
  bool ReadI64(std::int64_t& v);
  bool ReadU48(std::uint64_t& v);  // BIP152 short ids: 6 bytes little-endian
  bool ReadHash(Hash256& v);
  bool ReadBytes(std::span<std::uint8_t> out);
  // A view of the next n bytes (valid while the underlying buffer lives).
  bool ReadView(std::size_t n, std::span<const std::uint8_t>& out);

  // CompactSize as Core's ReadCompactSize: the shortest encoding is required
  // ("non-canonical ReadCompactSize()"); with range_check, values above MAX_SIZE fail.
  bool ReadCompactSize(std::uint64_t& v, bool range_check = true);
  // A CompactSize element count for a vector whose elements take at least `min_item_bytes`
  // each: fails if it exceeds `limit` or could not fit in the remaining bytes.
  bool ReadCount(std::size_t& n, std::size_t limit, std::size_t min_item_bytes, const char* what);
  bool ReadVarBytes(std::vector<std::uint8_t>& v, std::size_t limit = kMaxSize);
  bool ReadVarString(std::string& v, std::size_t limit = kMaxSize);

  // Fails with "N trailing bytes" unless everything was consumed.
  bool ExpectEnd();
  // Records `why` (if no error yet) and returns false.
  bool Fail(std::string why);
  // Ok, or the first error as "<why> at payload byte N".
  Status status() const;

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  std::size_t error_pos_ = 0;
  std::string error_;
};

class Writer {
 public:
  // Appends to `out` (which keeps its capacity between messages).
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

  void U8(std::uint8_t v) { out_.push_back(v); }
  void Bool(bool v) { out_.push_back(v ? 1 : 0); }
  void U16BE(std::uint16_t v);
  void U32(std::uint32_t v);
  void I32(std::int32_t v) { U32(static_cast<std::uint32_t>(v)); }
  void U64(std::uint64_t v);
  void I64(std::int64_t v) { U64(static_cast<std::uint64_t>(v)); }
  void U48(std::uint64_t v);
  void Hash(const Hash256& h) { Bytes(h.bytes); }
  void Bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void CompactSize(std::uint64_t v);
  void VarBytes(std::span<const std::uint8_t> b) {
    CompactSize(b.size());
    Bytes(b);
  }
  void VarString(std::string_view s);

  std::size_t size() const { return out_.size(); }
  std::vector<std::uint8_t>& buffer() { return out_; }

 private:
  std::vector<std::uint8_t>& out_;
};

// Bytes CompactSize(v) takes: 1, 3, 5 or 9.
constexpr std::size_t CompactSizeBytes(std::uint64_t v) {
  if (v < 253) return 1;
  if (v <= 0xffff) return 3;
  if (v <= 0xffffffff) return 5;
  return 9;
}

// Writer's interface, counting bytes instead of storing them: the exact encoded size of
// anything a Writer can write, without a buffer (usable in constant expressions).
class Counter {
 public:
  constexpr void U8(std::uint8_t) { n_ += 1; }
  constexpr void Bool(bool) { n_ += 1; }
  constexpr void U16BE(std::uint16_t) { n_ += 2; }
  constexpr void U32(std::uint32_t) { n_ += 4; }
  constexpr void I32(std::int32_t) { n_ += 4; }
  constexpr void U64(std::uint64_t) { n_ += 8; }
  constexpr void I64(std::int64_t) { n_ += 8; }
  constexpr void U48(std::uint64_t) { n_ += 6; }
  constexpr void Hash(const Hash256&) { n_ += 32; }
  constexpr void Bytes(std::span<const std::uint8_t> b) { n_ += b.size(); }
  constexpr void CompactSize(std::uint64_t v) { n_ += CompactSizeBytes(v); }
  constexpr void VarBytes(std::span<const std::uint8_t> b) { n_ += CompactSizeBytes(b.size()) + b.size(); }
  constexpr void VarString(std::string_view s) { n_ += CompactSizeBytes(s.size()) + s.size(); }

  constexpr std::size_t size() const { return n_; }

 private:
  std::size_t n_ = 0;
};

}  // namespace peerlab::bitcoin::wire
