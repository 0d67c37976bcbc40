#include "peerlab/bitcoin/message.hpp"

namespace peerlab::bitcoin {

std::uint32_t CompactSizeBytes(std::uint64_t n) {
  if (n < 0xfd) return 1;
  if (n <= 0xffff) return 3;
  if (n <= 0xffffffffULL) return 5;
  return 9;
}

std::string_view CommandName(MsgType type) {
  switch (type) {
    case MsgType::kInv: return "inv";
    case MsgType::kGetData: return "getdata";
    case MsgType::kGetHeaders: return "getheaders";
    case MsgType::kHeaders: return "headers";
    case MsgType::kBlock: return "block";
    case MsgType::kSendHeaders: return "sendheaders";
    case MsgType::kTx: return "tx";
    case MsgType::kSendCmpct: return "sendcmpct";
    case MsgType::kCmpctBlock: return "cmpctblock";
    case MsgType::kGetBlockTxn: return "getblocktxn";
    case MsgType::kBlockTxn: return "blocktxn";
    case MsgType::kVersion: return "version";
    case MsgType::kVerack: return "verack";
    case MsgType::kPing: return "ping";
    case MsgType::kPong: return "pong";
    case MsgType::kGetAddr: return "getaddr";
    case MsgType::kAddr: return "addr";
  }
  return "?";
}

namespace {

// Differentially encoded indexes (BIP152): each is the gap since the previous one.
std::uint32_t DiffIndexBytes(std::span<const std::uint32_t> indexes) {
  std::uint32_t bytes = 0;
  std::uint32_t previous = 0;
  bool first = true;
  for (std::uint32_t i : indexes) {
    bytes += CompactSizeBytes(first ? i : i - previous - 1);
    previous = i;
    first = false;
  }
  return bytes;
}

}  // namespace

std::uint32_t WireSize(const Message& m, const BlockStore& blocks, const TxStore& txs) {
  const auto nb = static_cast<std::uint32_t>(m.blocks().size());
  const auto nt = static_cast<std::uint32_t>(m.txs().size());
  std::uint32_t payload = 0;
  switch (m.type) {
    case MsgType::kInv:
    case MsgType::kGetData:
      payload = CompactSizeBytes(nb + nt) + 36 * (nb + nt);  // (type u32, hash) per item
      break;
    case MsgType::kGetHeaders:
      payload = 4 + CompactSizeBytes(nb) + 32 * nb + 32;  // version, locator, hash_stop
      break;
    case MsgType::kHeaders:
      payload = CompactSizeBytes(nb) + 81 * nb;  // header + zero tx count
      break;
    case MsgType::kBlock:
      payload = blocks.Get(m.block).size_bytes;
      break;
    case MsgType::kSendHeaders:
      payload = 0;
      break;
    case MsgType::kTx:
      payload = txs.Get(m.txs()[0]).size_bytes;
      break;
    case MsgType::kSendCmpct:
      payload = 9;  // announce flag, version
      break;
    case MsgType::kCmpctBlock: {
      // header, nonce, short ids (6 bytes per non-coinbase tx), one prefilled coinbase.
      const std::uint32_t short_ids = blocks.Get(m.block).tx_count - 1;
      payload = 80 + 8 + CompactSizeBytes(short_ids) + 6 * short_ids + CompactSizeBytes(1) +
                CompactSizeBytes(0) + kCoinbaseBytes;
      break;
    }
    case MsgType::kGetBlockTxn:
      payload = 32 + CompactSizeBytes(m.indexes().size()) + DiffIndexBytes(m.indexes());
      break;
    case MsgType::kVersion:
      // version, services, timestamp, two 26-byte addresses, nonce, user agent, height, relay
      payload = 4 + 8 + 8 + 26 + 26 + 8 + CompactSizeBytes(kUserAgent.size()) +
                static_cast<std::uint32_t>(kUserAgent.size()) + 4 + 1;
      break;
    case MsgType::kVerack:
      payload = 0;
      break;
    case MsgType::kPing:
    case MsgType::kPong:
      payload = 8;
      break;
    case MsgType::kGetAddr:
      payload = 0;
      break;
    case MsgType::kAddr:  // time, services, IPv6 address, port per entry
      payload = CompactSizeBytes(m.address_count()) +
                30 * static_cast<std::uint32_t>(m.address_count());
      break;
    case MsgType::kBlockTxn: {
      payload = 32 + CompactSizeBytes(m.indexes().size());
      const BlockRecord& b = blocks.Get(m.block);
      for (std::uint32_t i : m.indexes()) payload += b.TxBytesAt(i, txs);
      break;
    }
  }
  return kFrameHeaderBytes + payload;
}

MessageId MessagePool::Acquire(MsgType type) {
  MessageId id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    // Nodes send in bursts (an announcement to every peer): warm up the next slot.
    if (!free_.empty()) __builtin_prefetch(&Slot(free_.back()), 1);
  } else {
    if (size_ % kChunkSize == 0) chunks_.push_back(std::make_unique<Entry[]>(kChunkSize));
    id = size_++;
  }
  Entry& slot = Slot(id);
  slot.refs = 1;
  Message& m = slot.message;
  m.type = type;
  m.flag = false;
  m.wire_bytes = 0;
  m.value = 0;
  m.block = kNoBlock;
  m.aux = 0;
  m.items_kind = Message::Items::kBlocks;
  m.items.clear();
  return id;
}

}  // namespace peerlab::bitcoin
