#include "peerlab/bitcoin/primitives.hpp"

#include <cstring>

#include "peerlab/bitcoin/wire/fields.hpp"
#include "peerlab/util/assert.hpp"

namespace peerlab::bitcoin {
namespace {

// The part of the Writer's interface a header's fields use, into a fixed buffer (a header's
// id is computed for every block added, so no allocation here).
class FixedSink {
 public:
  explicit FixedSink(std::span<std::uint8_t, kHeaderBytes> out) : p_(out.data()) {}
  void I32(std::int32_t v) { U32(static_cast<std::uint32_t>(v)); }
  void U32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) Put(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void Hash(const Hash256& h) {
    PEERLAB_ASSERT(n_ + h.bytes.size() <= kHeaderBytes);
    std::memcpy(p_ + n_, h.bytes.data(), h.bytes.size());
    n_ += h.bytes.size();
  }
  std::size_t size() const { return n_; }

 private:
  void Put(std::uint8_t b) {
    PEERLAB_ASSERT(n_ < kHeaderBytes);
    p_[n_++] = b;
  }
  std::uint8_t* p_;
  std::size_t n_ = 0;
};

}  // namespace

void BlockHeader::Serialize(std::span<std::uint8_t, kHeaderBytes> out) const {
  FixedSink sink(out);
  wire::WireOut<FixedSink> w(sink);
  w.Value(*this);
  PEERLAB_ASSERT(sink.size() == kHeaderBytes);
}

Hash256 BlockHeader::Id() const {
  std::uint8_t buf[kHeaderBytes];
  Serialize(buf);
  return DoubleSha256(buf);
}

}  // namespace peerlab::bitcoin
