// NetworkSpec: what the engine needs to build and run a network, whatever protocol family runs
// on it: nodes, regions and their latencies and bandwidths, the initial topology, the link
// model, scheduled network events (partitions and heals), churn, outages and link failures.
// A family's own configuration extends it (families/bitcoin/sim: SimConfig). The scenario
// layer fills it from YAML after validation; tests may fill it directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/sim/network_events.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

// Regions with mean one-way latency between them and per-region node bandwidth.
struct RegionTable {
  std::string source;  // built-in table name, or "inline"
  std::vector<std::string> names;
  std::vector<double> node_share;    // share of nodes per region, sums to 1
  std::vector<double> latency_ms;    // names.size()^2, row-major: mean one-way latency a->b
  std::vector<double> upload_bps;    // per region, bits per second
  std::vector<double> download_bps;  // per region, bits per second

  std::size_t size() const { return names.size(); }
  double LatencyMs(std::size_t from, std::size_t to) const {
    return latency_ms[from * names.size() + to];
  }
};

// Per-message latency draw around the region-pair mean.
enum class JitterKind : std::uint8_t {
  kNone,     // exactly the mean
  kUniform,  // mean * U[1 - spread, 1 + spread]
  kPareto,   // Pareto with shape `shape`, scaled so its mean is the region-pair mean
};
struct JitterSpec {
  JitterKind kind = JitterKind::kPareto;
  double shape = 5.0;
  double spread = 0.1;
};

enum class TopologyKind : std::uint8_t { kOutboundChoice, kRandomRegular, kEdgeList };
struct TopologySpec {
  TopologyKind kind = TopologyKind::kOutboundChoice;
  std::uint32_t outbound = 8;      // bitcoin: full-relay outbound connections each node opens
  // Plus these outbound of connection class 1 (bitcoin: block-relay-only).
  std::uint32_t restricted_outbound = 2;
  // bitcoin: a node accepts at most this many inbound (Core: 125 connections minus 8 + 2
  // outbound and one feeler slot); beyond it, a newcomer evicts a peer or is refused.
  std::uint32_t max_inbound = 114;
  std::uint32_t seed_addresses = 32;  // bitcoin: addresses each node gets from "DNS seeds"
  std::uint32_t degree = 8;        // random-regular
  std::string edge_file;           // edge-list: path (already resolved against the scenario dir)
};

// Direct low-latency links from a strategy group's nodes to honest miners: the "rushing"

// How long something lasts: a session (online) or a downtime (offline) of a churning node.
enum class LifetimeKind : std::uint8_t {
  kExponential,  // memoryless, with the given mean
  kWeibull,      // shape < 1: many short and a few very long (measured session times look so)
};
struct LifetimeSpec {
  LifetimeKind kind = LifetimeKind::kExponential;
  DurationNs mean = kHour;
  double shape = 1.0;  // Weibull only
};

// Nodes leaving and rejoining, and connections failing (sim/src/churn.cpp). A churning node
// alternates a session (online) and a downtime (offline; it comes back with a Restart: chain,
// mempool and address manager kept).
struct ChurnSpec {
  bool enabled = false;  // the scenario has a `churn` section (its counts go to summary.json)
  double share = 0;      // of the eligible nodes, chosen by a seeded shuffle
  LifetimeSpec session{LifetimeKind::kExponential, 2 * kHour, 1.0};
  LifetimeSpec downtime{LifetimeKind::kExponential, 30 * kMinute, 1.0};
  // Which nodes are eligible is the family's to say (Engine::SetUpLifecycle); nodes with
  // scheduled outages never are.
  double link_failures_per_hour = 0;  // per open connection
};

// One scheduled stretch offline (tests, an eclipse victim's restart): `node` goes down at `at`
// and comes back (Restart) `downtime` later.
struct OutageSpec {
  std::uint32_t node = 0;
  TimeNs at = 0;
  DurationNs downtime = 0;
};

// Who carries messages: the fast engine's LinkModel, or ns-3 TCP (a Transport the caller
// passes to Simulation::Build; the scenario layer does when built with ns-3).
enum class Backend : std::uint8_t { kFast, kNs3 };
inline const char* BackendName(Backend b) { return b == Backend::kNs3 ? "ns3" : "fast"; }

// How the fast engine carries a message across a node's uplink and the receiver's downlink
// (`network.link_model`; docs/network-model.md, "Links").
enum class LinkModelKind : std::uint8_t {
  kFifo,    // whole messages one after another at full rate (LinkModel)
  kShared,  // connections with data to send share the upload equally (SharedUplinks)
  kFlow,    // TCP windows and max-min shares of uplinks and downlinks (FlowLinks)
};
inline const char* LinkModelName(LinkModelKind k) {
  return k == LinkModelKind::kFlow ? "flow" : k == LinkModelKind::kShared ? "shared" : "fifo";
}

// The TCP parameters of the flow model (FlowLinks).
struct FlowModelSpec {
  std::uint32_t segment_bytes = 1448;          // MSS on a 1500-byte MTU with timestamps
  std::uint32_t initial_window_segments = 10;  // RFC 6928; Linux's TCP_INIT_CWND
  std::uint32_t receive_window_bytes = 4u << 20;  // receive buffer (as the ns-3 backend's)
  DurationNs min_rto = 200 * kMillisecond;     // Linux's TCP_RTO_MIN: RTO = RTT + 200 ms
  // Linux's net.ipv4.tcp_slow_start_after_idle (1 by default): the window restarts after an
  // idle RTO. ns-3 (3.37) never restarts it.
  bool slow_start_after_idle = true;
};

struct NetworkSpec {
  std::uint64_t seed = 1;
  Backend backend = Backend::kFast;
  LinkModelKind link_model = LinkModelKind::kFlow;
  FlowModelSpec flow;
  std::uint32_t nodes = 100;
  RegionTable regions;
  JitterSpec jitter;
  TopologySpec topology;
  std::optional<double> upload_bps;    // overrides every node's region upload
  std::optional<double> download_bps;  // overrides every node's region download
  AutonomousSystemSpec autonomous_systems;
  std::vector<NetworkEventSpec> events;  // in time order (the scenario layer checks it)
  std::vector<MessageFaultSpec> faults;  // message faults, applied in this order
  ChurnSpec churn;
  // The engine's network window (Engine::SetNetworkWindow; not a scenario key): 0 applies
  // every departure at once, kWindowFloor holds them for windows of the latency floor. Results
  // are the same either way (a test checks every shipped scenario).
  static constexpr DurationNs kWindowFloor = -1;
  DurationNs network_window = 0;
  // Test hook (Engine::ShuffleHeldForTests): nonzero shuffles held work with this seed.
  std::uint64_t shuffle_held_for_tests = 0;
  // Threads of the parallel engine (engine.threads, --threads; resolved, at least 1): the
  // nodes are split into this many shards. One shard when the family cannot run on several
  // (Protocol::CanShard), with a transport, or with a latency floor of 0.
  std::uint32_t threads = 1;
  // Test hooks: shards regardless of threads (0: one per thread), and the order one thread
  // runs them in within a window (0 ascending, 1 descending, else shuffled with this seed).
  std::uint32_t shards_for_tests = 0;
  std::uint64_t shard_order_for_tests = 0;
  std::vector<OutageSpec> outages;  // per node, not overlapping
  // Times at which to record the connection graph (the report's snapshots), ascending.
  std::vector<TimeNs> topology_snapshots;
};

}  // namespace peerlab::sim
