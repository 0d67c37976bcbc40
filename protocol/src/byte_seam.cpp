#include "peerlab/protocol/byte_seam.hpp"

#include "peerlab/protocol/wire_bridge.hpp"

namespace peerlab::protocol {

bool ByteSeam::DecodeFrame() {
  const wire::ReceivedFrame& frame = decoder_.frame();
  if (frame.error != wire::FrameError::kNone || !frame.checksum_ok) return false;
  if (!wire::DecodeInto(frame.command, frame.payload, wire_message_).ok()) return false;
  return FromWire(wire_message_, *blocks_, *txs_, message_).ok();
}

void ByteSeam::Send(const Message& m) { encoder_.Push(ToWire(m, *blocks_, *txs_)); }

}  // namespace peerlab::protocol
