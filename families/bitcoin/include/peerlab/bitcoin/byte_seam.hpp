// ByteSeam: the node's byte-level seam for one connection (design §3). Byte drivers (ns-3,
// real sockets) push received bytes in any split and get node inputs back; outgoing node
// messages become frames to write, partially if need be.
//
// Hostile bytes never reach the node as messages: a frame with a bad checksum or command, or a
// payload that does not decode or names blocks/transactions the simulation does not know,
// becomes MalformedMessage (the node scores the peer 100 and disconnects it); a bad magic or an
// oversize length ends the stream (Receive returns false) after one MalformedMessage.
//
// Open mode (ByteSeam::Open, for a daemon's own store; design §3): the frames' magic is the
// store's chain's, messages go through FromWireOpen, so headers and blocks from the peer are
// checked and stored, and messages the node does not model are dropped without an input.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "peerlab/bitcoin/node.hpp"
#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/bitcoin/wire/messages.hpp"

namespace peerlab::bitcoin {

class ByteSeam {
 public:
  ByteSeam(wire::Magic magic, PeerId peer, const BlockStore& blocks, const TxStore& txs)
      : decoder_(magic), encoder_(magic), peer_(peer), blocks_(&blocks), txs_(&txs) {}
  // Open mode over `blocks`, an open store (blocks.chain() set) that the seam adds to.
  static ByteSeam Open(PeerId peer, BlockStore& blocks, const TxStore& txs);

  // Decodes `bytes` and calls `handle(const Input&)` for each message or malformed frame, in
  // stream order. Returns false once the stream is unusable; the driver closes it.
  template <typename HandleInput>
  bool Receive(std::span<const std::uint8_t> bytes, HandleInput&& handle) {
    while (true) {
      if (!decoder_.ReceivedBytes(bytes)) {
        if (!failed_) handle(Input{MalformedMessage{peer_}});
        failed_ = true;
        return false;
      }
      if (!decoder_.FrameComplete()) return true;
      switch (DecodeFrame()) {
        case Decoded::kMessage: handle(Input{MessageReceived{peer_, &message_}}); break;
        case Decoded::kMalformed: handle(Input{MalformedMessage{peer_}}); break;
        case Decoded::kDropped: break;
      }
      decoder_.NextFrame();
    }
  }

  // Frames an outgoing message (the real bytes of what the fast engine only sizes).
  void Send(const Message& m);
  // What a version message carries that the sans-IO node cannot know, for drivers on real
  // sockets: the sender's wall clock (Unix seconds; peers derive their clock offset from it)
  // and the address of the peer it goes to. Applies to version messages sent afterwards;
  // without it (the simulation, ns-3) both stay zero.
  void SetVersionContext(std::int64_t unix_time, const wire::NetAddr& addr_recv) {
    version_time_ = unix_time;
    version_addr_recv_ = addr_recv;
  }
  // Open mode: why the store refused the last frame that became MalformedMessage (a bad
  // proof of work, a header beyond the store's cap, ...), for the driver's close reason;
  // empty when the frame itself was malformed.
  const std::string& last_error() const { return last_error_; }
  std::span<const std::uint8_t> BytesToSend() const { return encoder_.BytesToSend(); }
  void MarkBytesSent(std::size_t n) { encoder_.MarkBytesSent(n); }

 private:
  enum class Decoded : std::uint8_t { kMessage, kMalformed, kDropped };
  Decoded DecodeFrame();  // into message_

  wire::FrameDecoder decoder_;
  wire::FrameEncoder encoder_;
  PeerId peer_;
  const BlockStore* blocks_;
  const TxStore* txs_;
  BlockStore* open_blocks_ = nullptr;  // open mode: the same store, writable
  wire::Message wire_message_;
  Message message_;
  bool failed_ = false;
  std::string last_error_;
  std::int64_t version_time_ = 0;
  wire::NetAddr version_addr_recv_{};
};

}  // namespace peerlab::bitcoin
