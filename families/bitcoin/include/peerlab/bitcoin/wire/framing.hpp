// v1 P2P framing: a 24-byte header (4-byte network magic, 12-byte NUL-padded command,
// little-endian u32 payload length, first 4 bytes of double-SHA256(payload)) before each
// payload. FrameEncoder and FrameDecoder follow the contract of Bitcoin Core's V1Transport
// (GetBytesToSend / MarkBytesSent, ReceivedBytes / message complete), in our own code.
//
// Contract (FrameDecoder): bytes may arrive split anywhere, one at a time included. A header
// with the wrong magic or a length above the limit is fatal and detected as soon as the 24
// header bytes are in, before any payload is buffered; the decoder then consumes nothing more.
// A bad command or checksum is reported on the completed frame (its boundary is known): the
// decoder pauses there, and the driver either disconnects or calls NextFrame() to go on.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/bitcoin/wire/messages.hpp"
#include "peerlab/bitcoin/wire/serialize.hpp"

namespace peerlab::bitcoin::wire {

using Magic = std::array<std::uint8_t, 4>;
inline constexpr Magic kMagicMainnet = {0xf9, 0xbe, 0xb4, 0xd9};
inline constexpr Magic kMagicTestnet3 = {0x0b, 0x11, 0x09, 0x07};
inline constexpr Magic kMagicRegtest = {0xfa, 0xbf, 0xb5, 0xda};
inline constexpr Magic kMagicSignet = {0x0a, 0x03, 0xcf, 0x40};

// "mainnet"/"main", "testnet"/"testnet3", "regtest", "signet", or 8 hex digits in wire order.
std::optional<Magic> ParseMagic(std::string_view name);

inline constexpr std::size_t kFrameHeaderSize = 24;
inline constexpr std::size_t kCommandSize = 12;

// Core's IsMessageTypeValid: printable ASCII (0x20..0x7e), NUL padding only after the name.
bool IsValidCommandField(std::span<const std::uint8_t, kCommandSize> field);
// A command we can put in a frame: at most 12 printable ASCII characters.
bool IsValidCommand(std::string_view command);

// Appends header + payload of `m` to `out`.
void EncodeFrame(const Magic& magic, const Message& m, std::vector<std::uint8_t>& out);
// Appends a frame for an already encoded payload.
void EncodeFrame(const Magic& magic, std::string_view command,
                 std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out);

class FrameEncoder {
 public:
  explicit FrameEncoder(Magic magic) : magic_(magic) {}

  // Queues one framed message; the payload is encoded straight into the send buffer.
  void Push(const Message& m);
  // The bytes still to send, oldest first (valid until the next Push or MarkBytesSent).
  std::span<const std::uint8_t> BytesToSend() const {
    return std::span<const std::uint8_t>(buffer_).subspan(sent_);
  }
  // After a (possibly partial) write of the first n bytes of BytesToSend().
  void MarkBytesSent(std::size_t n);
  bool empty() const { return sent_ == buffer_.size(); }

 private:
  Magic magic_;
  std::vector<std::uint8_t> buffer_;
  std::size_t sent_ = 0;
};

enum class FrameError {
  kNone,
  kBadMagic,     // fatal
  kOversize,     // fatal: length above the limit
  kBadCommand,   // this frame only
  kBadChecksum,  // this frame only
};
std::string_view FrameErrorName(FrameError e);  // e.g. "bad checksum"
inline bool IsFatal(FrameError e) { return e == FrameError::kBadMagic || e == FrameError::kOversize; }

struct ReceivedFrame {
  std::string command;  // the name without NUL padding (may hold junk if error is kBadCommand)
  std::uint32_t length = 0;
  bool checksum_ok = false;
  FrameError error = FrameError::kNone;
  std::span<const std::uint8_t> payload;  // valid until NextFrame() or ReceivedBytes()
};

class FrameDecoder {
 public:
  explicit FrameDecoder(Magic magic, std::uint32_t max_payload = kMaxPayloadBytes)
      : magic_(magic), max_payload_(max_payload) {}

  // Consumes a prefix of `bytes` (advancing it) up to the end of the current frame. Returns
  // false once the stream has a fatal error (see error()); then nothing is consumed.
  bool ReceivedBytes(std::span<const std::uint8_t>& bytes);
  // A whole frame is buffered; ReceivedBytes consumes nothing until NextFrame().
  bool FrameComplete() const { return complete_; }
  const ReceivedFrame& frame() const { return frame_; }
  // Drops the completed frame and starts reading the next header.
  void NextFrame();

  // The stream's fatal error, or the current frame's error.
  FrameError error() const { return fatal_ != FrameError::kNone ? fatal_ : frame_.error; }
  // Bytes consumed since construction: the stream offset of the next byte to read.
  std::uint64_t offset() const { return offset_; }
  // Stream offset where the current (or failed) frame starts.
  std::uint64_t frame_offset() const { return frame_offset_; }

 private:
  bool ParseHeader();

  Magic magic_;
  std::uint32_t max_payload_;
  std::array<std::uint8_t, kFrameHeaderSize> header_{};
  std::size_t header_have_ = 0;
  std::vector<std::uint8_t> payload_;  // capacity kept between frames
  std::array<std::uint8_t, 4> checksum_{};
  bool complete_ = false;
  FrameError fatal_ = FrameError::kNone;
  ReceivedFrame frame_;
  std::uint64_t offset_ = 0;
  std::uint64_t frame_offset_ = 0;
};

}  // namespace peerlab::bitcoin::wire
