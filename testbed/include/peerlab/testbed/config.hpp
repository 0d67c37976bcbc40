// DaemonConfig: what one peerlabd process is told on its command line (docs/testbed.md), and
// the parser for it. Parsing never touches the network or the disk; errors are one line.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/bitcoin/node.hpp"
#include "peerlab/testbed/link_delay.hpp"
#include "peerlab/util/status.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::testbed {

// An IPv4 socket address, host byte order (bitcoin::NetAddress is IPv4 too).
struct Endpoint {
  std::uint32_t ip = 0;
  std::uint16_t port = 0;
  std::string ToString() const;  // "a.b.c.d:port"
  bool operator==(const Endpoint&) const = default;
};

// "a.b.c.d:port" (dotted quad only: no DNS in the loop). `allow_port_zero`: a listen address
// may ask the kernel for an ephemeral port.
Result<Endpoint> ParseEndpoint(std::string_view text, bool allow_port_zero);
Result<std::uint32_t> ParseIpv4(std::string_view text);  // "a.b.c.d"
std::string Ipv4ToString(std::uint32_t ip);

struct DaemonConfig {
  std::string chain;     // --chain: a name LookupChain knows (chain.hpp)
  Endpoint listen;       // --listen; port 0: ephemeral (status.json says which)
  bool listen_set = false;  // false: 127.0.0.1 on the chain's default port
  std::vector<Endpoint> connect;  // --connect, repeatable: kept connected, with backoff
  // --connect-block-relay, repeatable: the same, as block-relay-only connections (no
  // transaction or address relay: the scenario's block_relay_only edges).
  std::vector<Endpoint> connect_block_relay;
  std::string datadir;   // --datadir: status.json, blocks.csv, peers.csv
  double mine_mean_s = 0;  // --mine: mean seconds between found blocks (Poisson); 0 = off
  std::uint64_t mine_limit = 0;  // --mine-limit: stop mining after this many blocks; 0 = never
  std::uint64_t seed = 1;  // --seed: the node's RNG and the mining timer (CLI default: OS-drawn)
  // --mine-until: no block is found after this much uptime, so a testbed's last blocks can
  // spread before it stops the daemons.
  TimeNs mine_until = kTimeNever;
  // --relay: how the node announces and fetches blocks (scenario key protocol.relay).
  bitcoin::RelayMode relay = bitcoin::RelayMode::kHeaders;
  // --validation-fixed, --validation-per-mb: the node's modelled validation delay (scenario
  // key protocol.validation), on top of the real checks' CPU time. Blocks are validated one
  // at a time, as in the simulation.
  DurationNs validation_fixed = 0;
  DurationNs validation_per_mb = 0;
  bool save_blocks = false;  // --save-blocks: DIR/blocks/<id>.bin, the bytes of each block taken

  // Defences (docs/testbed.md "Hostile peers"); defaults follow Bitcoin Core where it has one.
  // --max-inbound: inbound connections, handshaked or not. When full, a newcomer takes the
  // slot of a connection still in its handshake (see max_pending), else the node evicts an
  // established one by Bitcoin Core's protection rules (protocol/eviction.hpp) or, when all
  // are protected, refuses the newcomer.
  std::uint32_t max_inbound = 32;
  // --max-pending: inbound connections still in their handshake, in total. A newcomer beyond
  // it evicts one of them (admission.hpp); never one accepted in the same wakeup, so every
  // connection gets its bytes read at least once before it can lose its slot.
  std::uint32_t max_pending = 16;
  // --max-pending-per-address: the same from one IPv4 address; more are closed at once.
  std::uint32_t max_pending_per_address = 4;
  // --handshake-timeout: Core's -peertimeout is 60 s; an honest handshake takes a round
  // trip or two, and a shorter deadline frees the slots a slow-loris holds sooner.
  DurationNs handshake_timeout = 10 * kSecond;
  // --max-blockless-headers: headers held without their block (BlockStore's cap). Regtest
  // proof of work is free, so without it a peer could grow memory by ~255 B per header.
  std::size_t max_blockless_headers = 50'000;
  DurationNs idle_timeout = 20 * kMinute;            // --idle-timeout (Core TIMEOUT_INTERVAL)
  DurationNs ping_interval = 2 * kMinute;            // --ping-interval (Core PING_INTERVAL)
  std::size_t max_send_queue = 8u << 20;  // --max-send-queue: bytes queued to one peer, then drop it
  std::size_t max_prehandshake_bytes = 64u << 10;    // bytes a peer may send before verack
  std::uint32_t outbound = 0;  // --outbound: node-chosen connections from its address manager
  std::vector<std::uint32_t> known_peers;  // --known-peer: into the address manager at start
  std::uint16_t dial_port = 0;  // port node-chosen addresses are dialled on; 0: the chain's
  // The testbed (peerlab testbed) gives each node its own loopback address and delays bytes
  // per peer address in user space when netem is unavailable (link_delay.hpp).
  std::vector<LinkDelay> link_delays;  // --link-delay IPV4=MS, repeatable
  std::uint32_t source_ip = 0;  // --source-ip: bind outgoing connections here; 0: the kernel's

  DurationNs connect_timeout = 5 * kSecond;  // Core DEFAULT_CONNECT_TIMEOUT
  DurationNs retry_min = 1 * kSecond;        // --connect backoff: doubles per failure...
  DurationNs retry_max = 60 * kSecond;       // ...up to this
  DurationNs status_interval = 1 * kSecond;  // status.json rewrite period
  bool handle_signals = true;  // SIGTERM/SIGINT stop the loop (off for in-process tests)
  bool log = true;             // one line per event on stderr
};

struct ParsedArgs {
  DaemonConfig config;
  bool help = false;
};

// Arguments after the program name (CLI11, through cli/). The message of an error is one line
// without the program name, e.g. "--listen: expected IPV4:PORT, got 'x'".
Result<ParsedArgs> ParseDaemonArgs(std::span<const std::string_view> args);
// `peerlabd --help`: the options with their meaning and defaults.
std::string DaemonUsage();

}  // namespace peerlab::testbed
