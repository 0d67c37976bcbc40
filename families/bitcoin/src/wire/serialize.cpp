#include "peerlab/bitcoin/wire/serialize.hpp"

#include <cstring>

namespace peerlab::bitcoin::wire {

namespace {
constexpr const char* kEndOfData = "end of data";
}

bool Reader::Fail(std::string why) {
  if (error_.empty()) {
    error_ = std::move(why);
    error_pos_ = pos_;
  }
  // Later reads must fail too: a caller that ignored one failure cannot go on parsing garbage.
  pos_ = data_.size();
  return false;
}

Status Reader::status() const {
  if (error_.empty()) return Status::Ok();
  return Status::Error(error_ + " at payload byte " + std::to_string(error_pos_));
}

bool Reader::ReadBytes(std::span<std::uint8_t> out) {
  if (failed() || remaining() < out.size()) return Fail(kEndOfData);
  if (!out.empty()) std::memcpy(out.data(), data_.data() + pos_, out.size());
  pos_ += out.size();
  return true;
}

bool Reader::ReadView(std::size_t n, std::span<const std::uint8_t>& out) {
  if (failed() || remaining() < n) return Fail(kEndOfData);
  out = data_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::ReadU8(std::uint8_t& v) {
  if (failed() || remaining() < 1) return Fail(kEndOfData);
  v = data_[pos_++];
  return true;
}

bool Reader::ReadBool(bool& v) {
  std::uint8_t b = 0;
  if (!ReadU8(b)) return false;
  v = b != 0;
  return true;
}

bool Reader::ReadU16BE(std::uint16_t& v) {
  if (failed() || remaining() < 2) return Fail(kEndOfData);
  v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return true;
}

bool Reader::ReadU32(std::uint32_t& v) {
  if (failed() || remaining() < 4) return Fail(kEndOfData);
  const std::uint8_t* p = data_.data() + pos_;
  v = static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
      (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
  pos_ += 4;
  return true;
}

bool Reader::ReadI32(std::int32_t& v) {
  std::uint32_t u = 0;
  if (!ReadU32(u)) return false;
  v = static_cast<std::int32_t>(u);
  return true;
}

bool Reader::ReadU64(std::uint64_t& v) {
  if (failed() || remaining() < 8) return Fail(kEndOfData);
  const std::uint8_t* p = data_.data() + pos_;
  v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  pos_ += 8;
  return true;
}

bool Reader::ReadI64(std::int64_t& v) {
  std::uint64_t u = 0;
  if (!ReadU64(u)) return false;
  v = static_cast<std::int64_t>(u);
  return true;
}

bool Reader::ReadU48(std::uint64_t& v) {
  if (failed() || remaining() < 6) return Fail(kEndOfData);
  const std::uint8_t* p = data_.data() + pos_;
  v = 0;
  for (int i = 5; i >= 0; --i) v = (v << 8) | p[i];
  pos_ += 6;
  return true;
}

bool Reader::ReadHash(Hash256& v) { return ReadBytes(v.bytes); }

bool Reader::ReadCompactSize(std::uint64_t& v, bool range_check) {
  std::uint8_t first = 0;
  if (!ReadU8(first)) return false;
  if (first < 253) {
    v = first;
  } else if (first == 253) {
    if (failed() || remaining() < 2) return Fail(kEndOfData);
    v = static_cast<std::uint64_t>(data_[pos_]) | (static_cast<std::uint64_t>(data_[pos_ + 1]) << 8);
    pos_ += 2;
    if (v < 253) return Fail("non-canonical ReadCompactSize()");
  } else if (first == 254) {
    std::uint32_t u = 0;
    if (!ReadU32(u)) return false;
    v = u;
    if (v < 0x10000) return Fail("non-canonical ReadCompactSize()");
  } else {
    if (!ReadU64(v)) return false;
    if (v < 0x100000000ULL) return Fail("non-canonical ReadCompactSize()");
  }
  if (range_check && v > kMaxSize) return Fail("ReadCompactSize(): size too large");
  return true;
}

bool Reader::ReadCount(std::size_t& n, std::size_t limit, std::size_t min_item_bytes,
                       const char* what) {
  std::uint64_t v = 0;
  if (!ReadCompactSize(v)) return false;
  if (v > limit) {
    return Fail(std::string(what) + " count " + std::to_string(v) + " exceeds limit " +
                std::to_string(limit));
  }
  // Each element needs at least min_item_bytes, so a count the rest cannot hold is a lie.
  if (min_item_bytes > 0 && v > remaining() / min_item_bytes) {
    return Fail(std::string(what) + " count " + std::to_string(v) + " exceeds the " +
                std::to_string(remaining()) + " bytes left");
  }
  n = static_cast<std::size_t>(v);
  return true;
}

bool Reader::ReadVarBytes(std::vector<std::uint8_t>& v, std::size_t limit) {
  std::size_t n = 0;
  if (!ReadCount(n, limit, 1, "byte")) return false;
  const std::uint8_t* p = data_.data() + pos_;
  v.assign(p, p + n);
  pos_ += n;
  return true;
}

bool Reader::ReadVarString(std::string& v, std::size_t limit) {
  std::size_t n = 0;
  if (!ReadCount(n, limit, 1, "string byte")) return false;
  v.assign(reinterpret_cast<const char*>(data_.data() + pos_), n);
  pos_ += n;
  return true;
}

bool Reader::ExpectEnd() {
  if (failed()) return false;
  if (!empty()) return Fail(std::to_string(remaining()) + " trailing bytes");
  return true;
}

void Writer::U16BE(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void Writer::U32(std::uint32_t v) {
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                             static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
  out_.insert(out_.end(), b, b + 4);
}

void Writer::U64(std::uint64_t v) {
  std::uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
  out_.insert(out_.end(), b, b + 8);
}

void Writer::U48(std::uint64_t v) {
  std::uint8_t b[6];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
  out_.insert(out_.end(), b, b + 6);
}

void Writer::CompactSize(std::uint64_t v) {
  if (v < 253) {
    U8(static_cast<std::uint8_t>(v));
  } else if (v <= 0xffff) {
    U8(253);
    out_.push_back(static_cast<std::uint8_t>(v));
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
  } else if (v <= 0xffffffff) {
    U8(254);
    U32(static_cast<std::uint32_t>(v));
  } else {
    U8(255);
    U64(v);
  }
}

void Writer::VarString(std::string_view s) {
  CompactSize(s.size());
  out_.insert(out_.end(), s.begin(), s.end());
}

}  // namespace peerlab::bitcoin::wire
