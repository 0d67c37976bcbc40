#include "peerlab/bitcoin/wire/framing.hpp"

#include <algorithm>
#include <cstring>

namespace peerlab::bitcoin::wire {

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The checksum is the first 4 bytes of double-SHA256(payload).
std::array<std::uint8_t, 4> Checksum(std::span<const std::uint8_t> payload) {
  const Hash256 h = DoubleSha256(payload);
  return {h.bytes[0], h.bytes[1], h.bytes[2], h.bytes[3]};
}

void PutLe32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Writes the header for the payload in out[start + 24, end) into out[start, start + 24).
void FillHeader(const Magic& magic, std::string_view command, std::vector<std::uint8_t>& out,
                std::size_t start) {
  PEERLAB_ASSERT(IsValidCommand(command));
  const std::size_t length = out.size() - start - kFrameHeaderSize;
  PEERLAB_ASSERT(length <= UINT32_MAX);
  std::uint8_t* p = out.data() + start;
  std::memcpy(p, magic.data(), 4);
  std::memset(p + 4, 0, kCommandSize);
  std::memcpy(p + 4, command.data(), command.size());
  PutLe32(p + 16, static_cast<std::uint32_t>(length));
  const auto sum = Checksum(std::span<const std::uint8_t>(out).subspan(start + kFrameHeaderSize));
  std::memcpy(p + 20, sum.data(), 4);
}

}  // namespace

std::optional<Magic> ParseMagic(std::string_view name) {
  if (name == "mainnet" || name == "main") return kMagicMainnet;
  if (name == "testnet" || name == "testnet3") return kMagicTestnet3;
  if (name == "regtest") return kMagicRegtest;
  if (name == "signet") return kMagicSignet;
  if (name.size() != 8) return std::nullopt;
  Magic m{};
  for (std::size_t i = 0; i < 4; ++i) {
    const int hi = HexDigit(name[2 * i]), lo = HexDigit(name[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    m[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return m;
}

bool IsValidCommandField(std::span<const std::uint8_t, kCommandSize> field) {
  bool padding = false;
  for (std::uint8_t c : field) {
    if (padding) {
      if (c != 0) return false;
    } else if (c == 0) {
      padding = true;
    } else if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

bool IsValidCommand(std::string_view command) {
  if (command.size() > kCommandSize) return false;
  return std::all_of(command.begin(), command.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

void EncodeFrame(const Magic& magic, const Message& m, std::vector<std::uint8_t>& out) {
  const std::size_t start = out.size();
  out.resize(start + kFrameHeaderSize);
  EncodeTo(m, out);
  FillHeader(magic, CommandOf(m), out, start);
}

void EncodeFrame(const Magic& magic, std::string_view command,
                 std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out) {
  const std::size_t start = out.size();
  out.resize(start + kFrameHeaderSize);
  out.insert(out.end(), payload.begin(), payload.end());
  FillHeader(magic, command, out, start);
}

void FrameEncoder::Push(const Message& m) {
  // Drop what was sent before growing, so the buffer stays about one backlog long.
  if (sent_ > 0 && sent_ >= buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(sent_));
    sent_ = 0;
  }
  EncodeFrame(magic_, m, buffer_);
}

void FrameEncoder::MarkBytesSent(std::size_t n) {
  PEERLAB_ASSERT(n <= buffer_.size() - sent_);
  sent_ += n;
  if (sent_ == buffer_.size()) {
    buffer_.clear();  // keeps capacity
    sent_ = 0;
  }
}

std::string_view FrameErrorName(FrameError e) {
  switch (e) {
    case FrameError::kNone: return "ok";
    case FrameError::kBadMagic: return "bad magic";
    case FrameError::kOversize: return "oversize payload length";
    case FrameError::kBadCommand: return "bad command";
    case FrameError::kBadChecksum: return "bad checksum";
  }
  return "?";
}

bool FrameDecoder::ParseHeader() {
  frame_offset_ = offset_ - kFrameHeaderSize;
  if (std::memcmp(header_.data(), magic_.data(), 4) != 0) {
    fatal_ = FrameError::kBadMagic;
    return false;
  }
  const std::uint8_t* p = header_.data();
  const std::uint32_t length = static_cast<std::uint32_t>(p[16]) | (static_cast<std::uint32_t>(p[17]) << 8) |
                               (static_cast<std::uint32_t>(p[18]) << 16) |
                               (static_cast<std::uint32_t>(p[19]) << 24);
  frame_.length = length;
  // Rejected before buffering anything, as Core's V1Transport::readHeader does.
  if (length > max_payload_) {
    fatal_ = FrameError::kOversize;
    return false;
  }
  const std::span<const std::uint8_t, kCommandSize> field(p + 4, kCommandSize);
  const std::size_t name_len = std::find(field.begin(), field.end(), 0) - field.begin();
  frame_.command.assign(reinterpret_cast<const char*>(p + 4), name_len);
  frame_.error = IsValidCommandField(field) ? FrameError::kNone : FrameError::kBadCommand;
  std::memcpy(checksum_.data(), p + 20, 4);
  payload_.clear();
  return true;
}

bool FrameDecoder::ReceivedBytes(std::span<const std::uint8_t>& bytes) {
  if (fatal_ != FrameError::kNone) return false;
  while (!complete_ && !bytes.empty()) {
    if (header_have_ < kFrameHeaderSize) {
      const std::size_t n = std::min(kFrameHeaderSize - header_have_, bytes.size());
      std::memcpy(header_.data() + header_have_, bytes.data(), n);
      header_have_ += n;
      offset_ += n;
      bytes = bytes.subspan(n);
      if (header_have_ < kFrameHeaderSize) break;
      if (!ParseHeader()) return false;
    } else {
      const std::size_t n = std::min<std::size_t>(frame_.length - payload_.size(), bytes.size());
      // Grows with the data that actually arrived, never to the claimed length up front.
      payload_.insert(payload_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      offset_ += n;
      bytes = bytes.subspan(n);
    }
    if (header_have_ == kFrameHeaderSize && payload_.size() == frame_.length) {
      complete_ = true;
      frame_.payload = payload_;
      frame_.checksum_ok = Checksum(payload_) == checksum_;
      if (!frame_.checksum_ok && frame_.error == FrameError::kNone) {
        frame_.error = FrameError::kBadChecksum;
      }
    }
  }
  return true;
}

void FrameDecoder::NextFrame() {
  if (fatal_ != FrameError::kNone) return;
  PEERLAB_ASSERT(complete_);
  complete_ = false;
  header_have_ = 0;
  payload_.clear();
  frame_ = ReceivedFrame{};
  frame_offset_ = offset_;
}

}  // namespace peerlab::bitcoin::wire
