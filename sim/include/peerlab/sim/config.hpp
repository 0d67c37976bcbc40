// SimConfig: everything the fast engine needs to build and run one simulation. The scenario
// layer fills it from YAML (after validation); tests may fill it directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/bitcoin/node.hpp"
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

enum class TopologyKind : std::uint8_t { kBitcoin, kRandomRegular, kEdgeList };
struct TopologySpec {
  TopologyKind kind = TopologyKind::kBitcoin;
  std::uint32_t outbound = 8;      // bitcoin: full-relay outbound connections each node opens
  std::uint32_t block_relay_only = 2;  // bitcoin: plus these outbound block-relay-only ones
  // bitcoin: a node accepts at most this many inbound (Core: 125 connections minus 8 + 2
  // outbound and one feeler slot); beyond it, a newcomer evicts a peer or is refused.
  std::uint32_t max_inbound = 114;
  std::uint32_t seed_addresses = 32;  // bitcoin: addresses each node gets from "DNS seeds"
  std::uint32_t degree = 8;        // random-regular
  std::string edge_file;           // edge-list: path (already resolved against the scenario dir)
};

// Direct low-latency links from a strategy group's nodes to honest miners: the "rushing"
// network position that gives a selfish miner its tie advantage (Eyal & Sirer's gamma).
struct RushingSpec {
  double honest_share = 0;  // links go to honest miners holding this share of honest hashrate
  DurationNs latency = kMillisecond;  // one way, fixed
  double bandwidth_bps = 1e9;         // each link's own pipe (not the nodes' uplinks)
};

// A named set of nodes sharing a hashrate (split evenly among its nodes).
struct GroupSpec {
  std::string name;
  bool rest = false;             // takes every node no other group takes
  std::uint32_t node_count = 0;  // when !rest
  double hashrate = 0.0;         // share of total hashrate, in [0, 1]
  std::string strategy_name;     // the YAML `strategy.kind`; empty: honest
  bitcoin::StrategyConfig strategy;
  std::string censored_class;  // censor: the class's name (strategy.censored_class is its index)
  RushingSpec rushing;
  bool honest() const { return strategy.kind == bitcoin::StrategyKind::kHonest; }

  // An honest group of `count` nodes, or of every node no other group takes (`Rest`).
  static GroupSpec Fixed(std::string name, std::uint32_t count, double hashrate) {
    GroupSpec g;
    g.name = std::move(name);
    g.node_count = count;
    g.hashrate = hashrate;
    return g;
  }
  static GroupSpec Rest(std::string name, double hashrate) {
    GroupSpec g;
    g.name = std::move(name);
    g.rest = true;
    g.hashrate = hashrate;
    return g;
  }
};

struct StopSpec {
  std::optional<std::uint32_t> blocks;  // stop mining after this many blocks
  std::optional<DurationNs> time;       // hard end of simulated time
  // After the last block is mined, keep simulating at most this long so it can propagate.
  DurationNs drain = 10 * kMinute;
};

// Transactions created by users across the network. rate_per_s == 0: no transactions, no
// transaction relay (blocks carry synthetic fill, see NodeConfig::fill_tx_bytes).
struct TxClassSpec {
  std::string name;
  double share = 1.0;
};
struct TxWorkloadSpec {
  double rate_per_s = 0;
  std::uint32_t size_min = 200;  // bytes, uniform in [size_min, size_max]
  std::uint32_t size_max = 600;
  double fee_rate_min = 1.0;     // sat per byte, uniform in [min, max]
  double fee_rate_max = 50.0;
  std::vector<TxClassSpec> classes = {{"default", 1.0}};
};

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
  // Eligible: nodes of groups with no hashrate and no strategy, unless miners are included;
  // never strategy nodes or eclipse victims.
  bool include_miners = false;
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

// How the fast engine shares a node's upload among its connections (LinkModel, SharedUplinks).
enum class UplinkModel : std::uint8_t {
  kFifo,    // whole messages one after another (the default; what every figure used so far)
  kShared,  // connections with data to send share the bandwidth equally, as TCP flows do
};

struct SimConfig {
  std::uint64_t seed = 1;
  Backend backend = Backend::kFast;
  UplinkModel uplink = UplinkModel::kFifo;
  std::uint32_t nodes = 100;
  RegionTable regions;
  JitterSpec jitter;
  TopologySpec topology;
  std::optional<double> upload_bps;    // overrides every node's region upload
  std::optional<double> download_bps;  // overrides every node's region download
  bitcoin::NodeConfig node;
  TxWorkloadSpec transactions;
  DurationNs block_interval = 600 * kSecond;
  std::vector<GroupSpec> groups;
  StopSpec stop;
  AutonomousSystemSpec autonomous_systems;
  std::vector<NetworkEventSpec> events;  // in time order (the scenario layer checks it)
  ChurnSpec churn;
  std::vector<OutageSpec> outages;  // per node, not overlapping
  // Round-trip every message through the byte-level wire codec and compare (design §3's
  // wire-check mode). Slow: for tests and for checking a scenario, not for production runs.
  bool wire_check = false;
  // Times at which to record the connection graph (SimReport::snapshots), ascending.
  std::vector<TimeNs> topology_snapshots;
};

}  // namespace peerlab::sim
