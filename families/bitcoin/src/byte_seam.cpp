#include "peerlab/bitcoin/byte_seam.hpp"

#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/wire_bridge.hpp"

namespace peerlab::bitcoin {

ByteSeam ByteSeam::Open(PeerId peer, BlockStore& blocks, const TxStore& txs) {
  PEERLAB_ASSERT(blocks.chain() != nullptr);
  ByteSeam seam(blocks.chain()->magic, peer, blocks, txs);
  seam.open_blocks_ = &blocks;
  return seam;
}

ByteSeam::Decoded ByteSeam::DecodeFrame() {
  const wire::ReceivedFrame& frame = decoder_.frame();
  if (frame.error != wire::FrameError::kNone || !frame.checksum_ok ||
      !wire::DecodeInto(frame.command, frame.payload, wire_message_).ok()) {
    last_error_.clear();  // malformed in itself: nothing the store refused
    return Decoded::kMalformed;
  }
  if (open_blocks_ != nullptr) {
    const Result<bool> r = FromWireOpen(wire_message_, *open_blocks_, *txs_, message_);
    if (!r.ok()) {
      last_error_ = r.status().message();
      return Decoded::kMalformed;
    }
    return *r ? Decoded::kMessage : Decoded::kDropped;
  }
  return FromWire(wire_message_, *blocks_, *txs_, message_).ok() ? Decoded::kMessage
                                                                  : Decoded::kMalformed;
}

void ByteSeam::Send(const Message& m) {
  wire::Message w = ToWire(m, *blocks_, *txs_);
  if (auto* v = std::get_if<wire::Version>(&w)) {
    v->timestamp = version_time_;
    v->addr_recv = version_addr_recv_;
  }
  encoder_.Push(w);
}

}  // namespace peerlab::bitcoin
