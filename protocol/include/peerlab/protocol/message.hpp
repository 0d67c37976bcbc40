// Decoded protocol messages as the node sees them, and the pool that recycles them.
//
// Blocks and transactions are referred to by handles into the simulation's shared stores,
// so a message never copies block or transaction data; `wire_bytes` is the exact size the message has on the
// wire (24-byte frame header + Bitcoin payload), which the link model charges.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "peerlab/protocol/block_store.hpp"
#include "peerlab/protocol/tx_store.hpp"
#include "peerlab/util/assert.hpp"

namespace peerlab::protocol {

enum class MsgType : std::uint8_t {
  kInv,          // blocks and/or txs: announced ids
  kGetData,      // blocks (as MSG_BLOCK, or MSG_CMPCT_BLOCK when `compact`) and/or txs
  kGetHeaders,   // blocks: block locator (newest first); block: hash_stop or kNoBlock
  kHeaders,      // blocks: consecutive headers, oldest first
  kBlock,        // block: the block
  kSendHeaders,  // no payload: "announce new blocks to me with headers"
  kTx,           // txs[0]: the transaction
  kSendCmpct,    // flag: high-bandwidth mode wanted; value: compact block version
  kCmpctBlock,   // block: the block as header + short ids + prefilled coinbase (BIP152)
  kGetBlockTxn,  // block, indexes: transactions missing for reconstruction
  kBlockTxn,     // block, indexes: the transactions asked for (by index in the block)
};
inline constexpr int kMsgTypeCount = 11;

std::string_view CommandName(MsgType type);  // Bitcoin's command string, e.g. "getheaders"

inline constexpr std::uint32_t kFrameHeaderBytes = 24;  // magic, command, length, checksum
inline constexpr std::size_t kMaxHeadersPerMessage = 2000;
inline constexpr std::size_t kMaxInvPerMessage = 50000;  // Bitcoin Core MAX_INV_SZ

struct Message {
  MsgType type = MsgType::kInv;
  bool flag = false;
  std::uint32_t wire_bytes = 0;
  std::uint64_t value = 0;
  BlockHandle block = kNoBlock;
  std::vector<BlockHandle> blocks;
  std::vector<TxHandle> txs;
  std::vector<std::uint32_t> indexes;
};

// Bytes on the wire for `message`; blocks and transactions use the sizes in the stores.
std::uint32_t WireSize(const Message& message, const BlockStore& blocks, const TxStore& txs);

using MessageId = std::uint32_t;

// Reference-counted message slots with a free list: after warm-up, sending a message allocates
// nothing (slots and their vectors keep their capacity). A message is immutable once sent.
class MessagePool {
 public:
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
  struct Entry {
    Message message;
    std::uint32_t refs = 0;
  };
  // Fixed-size chunks keep references stable while the pool grows, and index in two steps.
  static constexpr std::uint32_t kChunkBits = 12;
  static constexpr std::uint32_t kChunkSize = 1u << kChunkBits;
  Entry& Slot(MessageId id) { return chunks_[id >> kChunkBits][id & (kChunkSize - 1)]; }
  const Entry& Slot(MessageId id) const {
    return chunks_[id >> kChunkBits][id & (kChunkSize - 1)];
  }
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  std::uint32_t size_ = 0;
  std::vector<MessageId> free_;
};

}  // namespace peerlab::protocol
