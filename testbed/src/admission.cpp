#include "peerlab/testbed/admission.hpp"

#include <algorithm>
#include <tuple>

namespace peerlab::testbed {

std::size_t PendingFrom(std::span<const PendingConnection> pending, std::uint32_t address) {
  return static_cast<std::size_t>(std::count_if(
      pending.begin(), pending.end(),
      [&](const PendingConnection& p) { return p.address == address; }));
}

std::optional<std::uint32_t> SelectPendingToEvict(std::span<const PendingConnection> pending,
                                                  TimeNs now) {
  // The pool is small (max_pending, at most 1,000): counting per candidate is cheap enough.
  const PendingConnection* victim = nullptr;
  auto key = [&](const PendingConnection& p) {
    // Smaller is evicted first: no version yet, then the most crowded address, then the
    // oldest, then the lower id.
    return std::make_tuple(p.version_received, -static_cast<long>(PendingFrom(pending, p.address)),
                           p.opened_at, p.id);
  };
  for (const PendingConnection& p : pending) {
    if (p.opened_at >= now) continue;  // accepted in this wakeup: not read yet
    if (victim == nullptr || key(p) < key(*victim)) victim = &p;
  }
  if (victim == nullptr) return std::nullopt;
  return victim->id;
}

}  // namespace peerlab::testbed
