// The reading side of the field formats (fields.hpp) whose rules go beyond one Reader call.
#include "peerlab/bitcoin/wire/fields.hpp"

#include <string>

#include "peerlab/bitcoin/wire/messages.hpp"

namespace peerlab::bitcoin::wire {

void WireIn::Value(const Trailing<std::optional<bool>>& f) {
  f.v.reset();
  bool b = false;
  if (!r_.empty() && r_.ReadBool(b)) f.v = b;
}

// Core's DifferenceFormatter over uint16_t: each value is the gap to the previous one plus one.
void WireIn::Value(const DiffIndex<std::uint16_t>& f) {
  std::uint64_t gap = 0;
  if (!r_.ReadCompactSize(gap)) return;
  shift_ += gap;  // gap <= MAX_SIZE, so no wrap-around
  if (shift_ > 0xffff) {
    r_.Fail("differential value overflow");
    return;
  }
  f.v = static_cast<std::uint16_t>(shift_++);
}

void WireIn::Value(const NetBytes<std::vector<std::uint8_t>>& f) {
  if (!r_.ReadVarBytes(f.v, kMaxAddrV2Bytes)) return;
  const std::size_t want = AddrV2Size(f.network);
  if (want != 0 && f.v.size() != want) {
    r_.Fail("BIP155 network " + std::to_string(f.network) + " address with length " +
            std::to_string(f.v.size()) + " (should be " + std::to_string(want) + ")");
  }
}

void WireIn::ZeroTxCount() {
  std::uint64_t tx_count = 0;
  if (!r_.ReadCompactSize(tx_count)) return;
  // Core ignores this field; a non-zero value cannot be re-encoded, so we reject it.
  if (tx_count != 0) r_.Fail("headers tx count " + std::to_string(tx_count) + " is not 0");
}

}  // namespace peerlab::bitcoin::wire
