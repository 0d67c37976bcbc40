// Decoded protocol messages as the node sees them, and the pool that recycles them.
//
// Blocks and transactions are referred to by handles into the simulation's shared stores,
// so a message never copies block or transaction data; `wire_bytes` is the exact size the message has on the
// wire (24-byte frame header + Bitcoin payload), which the link model charges.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "peerlab/bitcoin/address.hpp"
#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/item_list.hpp"
#include "peerlab/bitcoin/tx_store.hpp"
#include "peerlab/util/assert.hpp"
#include "peerlab/util/cache_line.hpp"

namespace peerlab::bitcoin {

enum class MsgType : std::uint8_t {
  kInv,          // blocks and/or txs: announced ids; aux (open mode): unknown block ids announced
  kGetData,      // blocks (as MSG_BLOCK, or MSG_CMPCT_BLOCK when `compact`) and/or txs
  kGetHeaders,   // blocks: block locator (newest first); block: hash_stop or kNoBlock
  kHeaders,      // blocks: consecutive headers, oldest first; flag (open mode): the first
                 // header's parent is not in the store (unconnecting), blocks then empty
  kBlock,        // block: the block
  kSendHeaders,  // no payload: "announce new blocks to me with headers"
  kTx,           // txs[0]: the transaction
  kSendCmpct,    // flag: high-bandwidth mode wanted; value: compact block version
  kCmpctBlock,   // block: the block as header + short ids + prefilled coinbase (BIP152)
  kGetBlockTxn,  // block, indexes: transactions missing for reconstruction
  kBlockTxn,     // block, indexes: the transactions asked for (by index in the block)
  kVersion,      // value: nonce; aux: start height; flag: relay transactions
  kVerack,
  kPing,         // value: nonce
  kPong,         // value: nonce
  kGetAddr,      // no payload: "send me addresses you know"
  kAddr,         // addresses: up to 1000 (address, time) entries
};
inline constexpr int kMsgTypeCount = 17;

// What our `version` message says (Bitcoin Core 0.21+ values).
inline constexpr std::int32_t kProtocolVersion = 70016;
inline constexpr std::uint64_t kLocalServices = 1 | 8;  // NODE_NETWORK | NODE_WITNESS
inline constexpr std::string_view kUserAgent = "/peerlab:0.1.0/";

std::string_view CommandName(MsgType type);  // Bitcoin's command string, e.g. "getheaders"
// Bytes of Bitcoin's CompactSize encoding of n (1, 3, 5 or 9).
std::uint32_t CompactSizeBytes(std::uint64_t n);

inline constexpr std::uint32_t kFrameHeaderBytes = 24;  // magic, command, length, checksum
inline constexpr std::size_t kMaxHeadersPerMessage = 2000;
inline constexpr std::size_t kMaxInvPerMessage = 50000;  // Bitcoin Core MAX_INV_SZ
inline constexpr std::size_t kMaxAddrPerMessage = 1000;  // Bitcoin Core MAX_ADDR_TO_SEND

// One message. Its list (`items`) holds block handles, transaction handles, transaction
// indexes or addresses (two items per TimedAddress) depending on `items_kind`: a message never
// mixes them (the node sends block and transaction inventory separately). A pooled message,
// with up to ItemList::kInline items, fits in one cache line.
struct Message {
  enum class Items : std::uint8_t { kBlocks, kTxs, kIndexes, kAddresses };

  MsgType type = MsgType::kInv;
  bool flag = false;
  Items items_kind = Items::kBlocks;
  std::uint32_t wire_bytes = 0;
  std::uint64_t value = 0;
  BlockHandle block = kNoBlock;
  std::uint32_t aux = 0;
  ItemList items;

  std::span<const BlockHandle> blocks() const { return Of(Items::kBlocks); }
  std::span<const TxHandle> txs() const { return Of(Items::kTxs); }
  std::span<const std::uint32_t> indexes() const { return Of(Items::kIndexes); }
  std::size_t address_count() const { return Of(Items::kAddresses).size() / 2; }
  TimedAddress address(std::size_t i) const { return {items[2 * i], items[2 * i + 1]}; }
  void AddAddress(const TimedAddress& a) {
    ItemList& list = Set(Items::kAddresses);
    list.push_back(a.address);
    list.push_back(a.time);
  }
  // The list, cleared of nothing, now holding `kind`; for filling a fresh message.
  ItemList& SetBlocks() { return Set(Items::kBlocks); }
  ItemList& SetTxs() { return Set(Items::kTxs); }
  ItemList& SetIndexes() { return Set(Items::kIndexes); }

 private:
  std::span<const std::uint32_t> Of(Items kind) const {
    if (items_kind != kind) return {};
    return items;
  }
  ItemList& Set(Items kind) {
    PEERLAB_ASSERT(items.empty() || items_kind == kind);
    items_kind = kind;
    return items;
  }
};
static_assert(sizeof(Message) <= 56);

// Bytes on the wire for `message`; blocks and transactions use the sizes in the stores.
std::uint32_t WireSize(const Message& message, const BlockStore& blocks, const TxStore& txs);

using MessageId = std::uint32_t;

// Reference-counted message slots with a free list: after warm-up, sending a message allocates
// nothing (slots and their vectors keep their capacity). A message is immutable once sent.
// A pool's ids carry its tag in their top bits (kTagShift), so a driver with one pool per
// shard of the parallel engine knows each message's pool; Get may be called for a message of
// this pool from another thread while this one acquires (its chunk table never moves), but
// Acquire and Release are the owner's.
class MessagePool {
 public:
  static constexpr int kTagShift = 26;  // 2^26 live messages per pool, 63 pools
  static constexpr std::uint32_t kMaxTag = (1u << (32 - kTagShift)) - 1;
  explicit MessagePool(std::uint32_t tag = 0);
  static std::uint32_t TagOf(MessageId id) { return id >> kTagShift; }
  // A cleared message with one reference held by the caller.
  MessageId Acquire(MsgType type);
  Message& Get(MessageId id) { return Slot(id).message; }
  const Message& Get(MessageId id) const { return Slot(id).message; }
  void AddRef(MessageId id) { ++Slot(id).refs; }
  void Release(MessageId id) {
    PEERLAB_ASSERT(Slot(id).refs > 0);
    if (--Slot(id).refs == 0) free_.push_back(id);
  }
  std::size_t live() const { return size_ - free_.size(); }

 private:
  struct alignas(64) Entry {  // one cache line per message
    Message message;
    std::uint32_t refs = 0;
  };
  // Fixed-size chunks keep references stable while the pool grows, and index in two steps.
  static constexpr std::uint32_t kChunkBits = 12;
  static constexpr std::uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr std::uint32_t kLocalMask = (1u << kTagShift) - 1;
  static constexpr std::uint32_t kMaxChunks = 1u << (kTagShift - kChunkBits);
  Entry& Slot(MessageId id) {
    const std::uint32_t local = id & kLocalMask;
    return chunks_[local >> kChunkBits][local & (kChunkSize - 1)];
  }
  const Entry& Slot(MessageId id) const {
    const std::uint32_t local = id & kLocalMask;
    return chunks_[local >> kChunkBits][local & (kChunkSize - 1)];
  }
  std::uint32_t tag_bits_ = 0;
  // A fixed table of chunks (filled as the pool grows): entries never move.
  std::unique_ptr<std::unique_ptr<Entry[]>[]> chunks_;
  // What only the owner writes, on a cache line apart from chunks_, which every shard's thread
  // reads (Get): sharing a line, each acquire took it from the readers (perf: half of
  // Acquire's samples on the free list's first load, on two threads).
  alignas(kCacheLine) std::uint32_t size_ = 0;
  std::vector<MessageId> free_;
};

}  // namespace peerlab::bitcoin
