#include "peerlab/bitcoin/message.hpp"

#include <string>

#include "peerlab/bitcoin/wire/messages.hpp"

namespace peerlab::bitcoin {

std::uint32_t CompactSizeBytes(std::uint64_t n) {
  return static_cast<std::uint32_t>(wire::CompactSizeBytes(n));
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

// The sizes below are counted through the wire messages' field lists (wire/fields.hpp) at
// compile time: WireSize, called for every message sent, stays a few additions, and cannot
// drift from the codec (the wire-check mode compares it with real encodings). Each message
// is counted with its lists empty; More() adds a list's elements.
template <class T>
constexpr std::uint32_t Counted(const T& part) {
  return static_cast<std::uint32_t>(wire::WireBytes(part));
}
template <class Wrap, class Elem>
constexpr std::uint32_t Element() {
  return static_cast<std::uint32_t>(wire::MinWireBytes<Wrap, Elem>());
}
// What n elements of `each` bytes add to a message counted with that list empty.
constexpr std::uint32_t More(std::uint64_t n, std::uint32_t each) {
  return static_cast<std::uint32_t>(wire::CompactSizeBytes(n) - wire::CompactSizeBytes(0)) +
         static_cast<std::uint32_t>(n) * each;
}

constexpr wire::Version OurVersion() {
  wire::Version v;
  v.user_agent = std::string(kUserAgent);
  v.relay = true;
  return v;
}

constexpr std::uint32_t kInvEmpty = Counted(wire::Inv{});
constexpr std::uint32_t kInvItem = Element<wire::AsIs, wire::Inventory>();
constexpr std::uint32_t kGetHeadersEmpty = Counted(wire::GetHeaders{});
constexpr std::uint32_t kLocatorItem = Element<wire::AsIs, Hash256>();
constexpr std::uint32_t kHeadersEmpty = Counted(wire::Headers{});
constexpr std::uint32_t kHeaderItem = Element<wire::As<wire::HeaderEntry>, BlockHeader>();
constexpr std::uint32_t kSendCmpct = Counted(wire::SendCmpct{});
constexpr std::uint32_t kCmpctEmpty = Counted(wire::CmpctBlock{});
constexpr std::uint32_t kShortId = Element<wire::As<wire::ShortId>, std::uint64_t>();
constexpr std::uint32_t kFirstIndex = Element<wire::As<wire::DiffIndex>, std::uint16_t>();
constexpr std::uint32_t kGetBlockTxnEmpty = Counted(wire::GetBlockTxn{});
constexpr std::uint32_t kBlockTxnEmpty = Counted(wire::BlockTxn{});
constexpr std::uint32_t kVersion = Counted(OurVersion());
constexpr std::uint32_t kPing = Counted(wire::Ping{});
constexpr std::uint32_t kAddrEmpty = Counted(wire::Addr{});
constexpr std::uint32_t kAddrItem = Element<wire::AsIs, wire::TimedNetAddr>();
static_assert(Counted(wire::Verack{}) == 0 && Counted(wire::GetAddr{}) == 0 &&
              Counted(wire::SendHeaders{}) == 0 && Counted(wire::Pong{}) == kPing &&
              Counted(wire::GetData{}) == kInvEmpty);

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
      payload = kInvEmpty + More(nb + nt, kInvItem);
      break;
    case MsgType::kGetHeaders:
      payload = kGetHeadersEmpty + More(nb, kLocatorItem);
      break;
    case MsgType::kHeaders:
      payload = kHeadersEmpty + More(nb, kHeaderItem);
      break;
    case MsgType::kBlock:
      payload = blocks.Get(m.block).size_bytes;
      break;
    case MsgType::kTx:
      payload = txs.Get(m.txs()[0]).size_bytes;
      break;
    case MsgType::kSendCmpct:
      payload = kSendCmpct;
      break;
    case MsgType::kCmpctBlock: {
      // Short ids for every non-coinbase transaction, one prefilled coinbase.
      const std::uint32_t short_ids = blocks.Get(m.block).tx_count - 1;
      payload = kCmpctEmpty + More(short_ids, kShortId) + More(1, kFirstIndex + kCoinbaseBytes);
      break;
    }
    case MsgType::kGetBlockTxn:
      payload = kGetBlockTxnEmpty + More(m.indexes().size(), 0) + DiffIndexBytes(m.indexes());
      break;
    case MsgType::kVersion:
      payload = kVersion;
      break;
    case MsgType::kPing:
    case MsgType::kPong:
      payload = kPing;
      break;
    case MsgType::kSendHeaders:
    case MsgType::kVerack:
    case MsgType::kGetAddr:
      payload = 0;
      break;
    case MsgType::kAddr:
      payload = kAddrEmpty + More(m.address_count(), kAddrItem);
      break;
    case MsgType::kBlockTxn: {
      payload = kBlockTxnEmpty + More(m.indexes().size(), 0);
      const BlockRecord& b = blocks.Get(m.block);
      for (std::uint32_t i : m.indexes()) payload += b.TxBytesAt(i, txs);
      break;
    }
  }
  return kFrameHeaderBytes + payload;
}

MessagePool::MessagePool(std::uint32_t tag)
    : tag_bits_(tag << kTagShift), chunks_(std::make_unique<std::unique_ptr<Entry[]>[]>(kMaxChunks)) {
  PEERLAB_ASSERT(tag <= kMaxTag);
}

MessageId MessagePool::Acquire(MsgType type) {
  MessageId id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    // Nodes send in bursts (an announcement to every peer): warm up the next slot.
    if (!free_.empty()) __builtin_prefetch(&Slot(free_.back()), 1);
  } else {
    PEERLAB_ASSERT(size_ < kLocalMask);  // 2^26 messages in flight at once
    if (size_ % kChunkSize == 0) chunks_[size_ >> kChunkBits] = std::make_unique<Entry[]>(kChunkSize);
    id = tag_bits_ | size_++;
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
