// Network addresses and peer ids as the protocol sees them.
//
// A peer's address is an IPv4 address (host byte order). Simulation drivers give every node a
// synthetic one; the wire carries it as an IPv4-mapped IPv6 address on the default port. Its
// /16 is the "network group" that Bitcoin Core's address manager and eviction logic use to
// keep one operator (one provider, one autonomous system) from filling a node's tables.
#pragma once

#include <cstdint>

namespace peerlab::bitcoin {

using PeerId = std::uint32_t;  // a driver's local index for one of a node's connections
using NetAddress = std::uint32_t;
inline constexpr NetAddress kNoAddress = 0;
inline constexpr std::uint16_t kDefaultPort = 8333;  // mainnet; only the wire form shows it

inline constexpr std::uint32_t NetGroup(NetAddress a) { return a >> 16; }

// One entry of an addr message: the address and when it was last seen (Unix seconds).
struct TimedAddress {
  NetAddress address = kNoAddress;
  std::uint32_t time = 0;
  bool operator==(const TimedAddress&) const = default;
};

}  // namespace peerlab::bitcoin
