// What a node is configured with: its relay mode, its connection targets, the timings it uses
// and the eclipse countermeasures it runs. Shared by every node of a simulation (the node keeps
// a pointer), read-only while nodes run.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "peerlab/bitcoin/addrman.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::bitcoin {

enum class RelayMode : std::uint8_t {
  kHeaders,  // BIP130 sendheaders: headers -> getdata -> block; unknown invs resolved headers-first
  kLegacy,   // pre-headers-first (Core < 0.10, SimBlock): inv -> getdata -> block
  kCompact,  // BIP152 compact blocks (high- and low-bandwidth), with sendheaders
};

// The names scenarios (`protocol.relay`) and peerlabd (`--relay`) use, in enum order.
inline constexpr std::array<std::string_view, 3> kRelayModeNames = {"headers", "legacy",
                                                                     "compact"};
inline std::string_view RelayModeName(RelayMode m) {
  return kRelayModeNames[static_cast<std::size_t>(m)];
}
// The mode called `name`, or nothing.
inline std::optional<RelayMode> ParseRelayMode(std::string_view name) {
  for (std::size_t i = 0; i < kRelayModeNames.size(); ++i) {
    if (kRelayModeNames[i] == name) return static_cast<RelayMode>(i);
  }
  return std::nullopt;
}

// How much of Core's address gossip runs.
enum class AddrGossip : std::uint8_t {
  kFull,     // getaddr on new outbound connections, self-announcement, fresh-address relay
  kGetAddr,  // getaddr and its answers only (no announcements flooding the network)
  kOff,      // no address messages; the address manager holds only seeds and peers
};

enum class ConnectionKind : std::uint8_t { kFullRelay, kBlockRelayOnly, kFeeler };

// Bitcoin Core's defences against eclipse attacks (Heilman et al. 2015) that live in the node,
// each switchable to measure what it is worth; all on is what Core does today. Two more are in
// AddrManConfig (test_before_evict, bucket_limits).
struct Countermeasures {
  // Core 0.21 (anchors.dat): after a restart, first reconnect to the (up to 2) block-relay-only
  // peers the node had when it went down.
  bool anchors = true;
  // Core 0.13.1: feeler connections; off: none, whatever feeler_interval says.
  bool feelers = true;
  // Core 0.13.1 (PR 8594): a peer connecting to us never enters the address manager; off: an
  // inbound peer goes straight to tried at its `version` (Core before 0.13.1, which Heilman et
  // al. exploited; our version message carries no address, the connection's is taken).
  bool tried_outbound_only = true;
};

struct NodeConfig {
  RelayMode relay = RelayMode::kHeaders;
  DurationNs validation_fixed = 0;    // per-block validation delay
  DurationNs validation_per_mb = 0;   // plus this per 1,000,000 bytes of block
  std::uint32_t block_size_bytes = 1'000'000;  // most bytes a mined block may hold
  std::uint32_t max_blocks_in_flight_per_peer = 16;  // Core's MAX_BLOCKS_IN_TRANSIT_PER_PEER
  std::uint32_t genesis_time = 0;  // header time (Unix seconds) of genesis; mined blocks add sim time
  std::uint32_t bits = 0;          // compact target of every block
  // Transactions. Without relay, blocks are filled with synthetic transactions of
  // `fill_tx_bytes` that every node is assumed to have (perfect mempool agreement).
  bool tx_relay = false;
  std::uint32_t fill_tx_bytes = 400;
  std::uint64_t mempool_max_bytes = 300'000'000;  // Core's -maxmempool default
  DurationNs trickle_outbound_mean = 2 * kSecond;  // Core OUTBOUND_INVENTORY_BROADCAST_INTERVAL
  DurationNs trickle_inbound_mean = 5 * kSecond;   // Core INBOUND_INVENTORY_BROADCAST_INTERVAL
  std::uint32_t max_high_bandwidth_peers = 3;      // BIP152 / Core
  DurationNs ping_interval = 0;  // Core pings every 2 min; 0 = no pings (saves events)
  // The chain's block interval (Core's nPowTargetSpacing): a block download that makes no
  // progress for one interval, plus half of one per other peer we download from, is given up
  // and the peer dropped (Node::OnPeerTimeouts).
  DurationNs block_interval = 10 * kMinute;
  // Outbound connections the node keeps: when one drops it picks another address from its
  // address manager. 0: the node never opens connections (fixed topologies).
  std::uint32_t target_outbound = 0;
  std::uint32_t target_block_relay_only = 0;
  // Fixed topologies: the outbound connections the driver opens for the node are its added
  // nodes (Core's -addnode), dialled again every minute while one is down.
  bool redial_outbound = false;
  // Inbound connections accepted at most; a new one beyond it evicts a peer or is refused.
  // 0: unlimited (fixed topologies).
  std::uint32_t max_inbound = 0;
  AddrGossip addr_gossip = AddrGossip::kFull;
  AddrManConfig addrman;
  DurationNs addr_trickle_mean = 30 * kSecond;  // Core AVG_ADDRESS_BROADCAST_INTERVAL
  DurationNs connect_interval = 500 * kMillisecond;  // Core's ThreadOpenConnections pace
  DurationNs feeler_interval = 2 * kMinute;     // Core FEELER_INTERVAL; 0 = no feelers
  Countermeasures countermeasures;
  // Open mode (the node's store is open: a daemon, design §3): output script of the coinbases
  // of the real blocks it mines; empty: OP_TRUE. Unused by the simulation.
  std::vector<std::uint8_t> coinbase_script;
  // Test hook, never set by a scenario: a planted bug that breaks the most-work rule (the node
  // never moves its tip to another branch), which `peerlab explore`'s tests must find.
  bool planted_never_reorganise = false;
};

}  // namespace peerlab::bitcoin
