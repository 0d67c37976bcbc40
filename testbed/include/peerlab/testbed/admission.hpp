// Admission of inbound connections that have not finished their handshake (peerlabd's
// pending pool; docs/testbed.md "Hostile peers").
//
// A connection costs an attacker nothing until it has to speak, so unhandshaked connections
// are held in a small pool (DaemonConfig::max_pending, max_pending_per_address) rather than in
// the inbound slots honest peers need. When the pool is full a newcomer evicts one of them,
// chosen so that an attacker mostly evicts its own: first connections that have not sent a
// version message (an honest dialler sends it at once; a slow-loris never finishes it), then
// those from the address holding the most pending connections (Core evicts from the network
// group with the most connections; on loopback testbeds every address shares one group, so
// the address is the unit here), then the oldest (an honest handshake takes a round trip or
// two). A connection accepted in the current wakeup is never chosen, so every connection has
// had its bytes read once before it can lose its slot: a flood cannot push an honest newcomer
// out before its version is seen.
//
// Pure functions of their arguments: the daemon gathers the candidates, tests call them
// directly. Established peers are not handled here: the node evicts those by Bitcoin Core's
// rules (protocol/eviction.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "peerlab/util/time.hpp"

namespace peerlab::testbed {

struct PendingConnection {
  std::uint32_t id = 0;       // the caller's name for it (the daemon's PeerId)
  std::uint32_t address = 0;  // remote IPv4, host order
  TimeNs opened_at = 0;
  bool version_received = false;
};

// How many of `pending` come from `address`.
std::size_t PendingFrom(std::span<const PendingConnection> pending, std::uint32_t address);

// The connection a newcomer evicts, by the order above; nothing when every candidate was
// opened at `now` or later (accepted in this wakeup). Ties end on the lower id.
std::optional<std::uint32_t> SelectPendingToEvict(std::span<const PendingConnection> pending,
                                                  TimeNs now);

}  // namespace peerlab::testbed
