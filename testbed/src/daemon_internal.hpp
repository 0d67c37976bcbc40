// Private to testbed/src: constants and helpers shared by the Daemon's source files.
#pragma once

#include <cstddef>
#include <cstdint>

#include "peerlab/testbed/daemon.hpp"

namespace peerlab::testbed::daemon_internal {

constexpr DurationNs kHousekeepingPeriod = 100 * kMillisecond;
constexpr DurationNs kAcceptPause = 100 * kMillisecond;  // after EMFILE: let closes free fds
constexpr int kAcceptsPerWakeup = 64;     // then other sockets get their turn
constexpr int kReadsPerWakeup = 4;        // 256 KiB per connection per wakeup, for fairness
constexpr std::size_t kWriteChunk = 256 * 1024;
constexpr int kListenBacklog = 128;

inline std::uint64_t Token(std::uint32_t generation, bitcoin::PeerId peer) {
  return std::uint64_t{generation} << 32 | peer;
}

// An IPv4 endpoint as the wire's IPv4-mapped IPv6 address (::ffff:a.b.c.d).
inline bitcoin::wire::NetAddr ToNetAddr(const Endpoint& e) {
  bitcoin::wire::NetAddr a;
  a.ip[10] = a.ip[11] = 0xff;
  for (int i = 0; i < 4; ++i) a.ip[12 + i] = static_cast<std::uint8_t>(e.ip >> (24 - 8 * i));
  a.port = e.port;
  return a;
}

}  // namespace peerlab::testbed::daemon_internal
