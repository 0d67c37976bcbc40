#include "peerlab/protocol/message.hpp"

namespace peerlab::protocol {
namespace {

std::uint32_t CompactSizeBytes(std::uint64_t n) {
  if (n < 0xfd) return 1;
  if (n <= 0xffff) return 3;
  if (n <= 0xffffffffULL) return 5;
  return 9;
}

}  // namespace

std::string_view CommandName(MsgType type) {
  switch (type) {
    case MsgType::kInv: return "inv";
    case MsgType::kGetData: return "getdata";
    case MsgType::kGetHeaders: return "getheaders";
    case MsgType::kHeaders: return "headers";
    case MsgType::kBlock: return "block";
    case MsgType::kSendHeaders: return "sendheaders";
  }
  return "?";
}

std::uint32_t WireSize(const Message& m, const BlockStore& store) {
  const auto n = static_cast<std::uint32_t>(m.blocks.size());
  std::uint32_t payload = 0;
  switch (m.type) {
    case MsgType::kInv:
    case MsgType::kGetData:
      payload = CompactSizeBytes(n) + 36 * n;  // (type u32, hash) per item
      break;
    case MsgType::kGetHeaders:
      payload = 4 + CompactSizeBytes(n) + 32 * n + 32;  // version, locator, hash_stop
      break;
    case MsgType::kHeaders:
      payload = CompactSizeBytes(n) + 81 * n;  // header + zero tx count
      break;
    case MsgType::kBlock:
      PEERLAB_ASSERT(n == 1);
      payload = store.Get(m.blocks[0]).size_bytes;
      break;
    case MsgType::kSendHeaders:
      payload = 0;
      break;
  }
  return kFrameHeaderBytes + payload;
}

MessageId MessagePool::Acquire(MsgType type) {
  MessageId id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    if (size_ % kChunkSize == 0) chunks_.push_back(std::make_unique<Entry[]>(kChunkSize));
    id = size_++;
  }
  Entry& slot = Slot(id);
  slot.refs = 1;
  slot.message.type = type;
  slot.message.wire_bytes = 0;
  slot.message.stop = kNoBlock;
  slot.message.blocks.clear();
  return id;
}

}  // namespace peerlab::protocol
