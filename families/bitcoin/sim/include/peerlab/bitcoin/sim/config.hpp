// SimConfig: a Bitcoin-family simulation: the network the engine builds (sim::NetworkSpec,
// its base) plus the nodes' configuration, the mining oracle, the transaction workload, the
// groups with their strategies and the stop condition. The scenario layer fills it from YAML
// (after validation); tests may fill it directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/bitcoin/node.hpp"
#include "peerlab/sim/network_spec.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

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
  // What the scenario gave (hashrate for bitcoin; voting power for the tendermint family,
  // which reads these groups too).
  bool has_hashrate = false;
  double voting_power = 0.0;
  bool has_voting_power = false;
  DurationNs target_delay = 0;  // tendermint strategy target-proposer: `delay`
  std::string strategy_name;     // the YAML `strategy.kind`; empty: honest
  bitcoin::StrategyConfig strategy;
  std::string censored_class;  // censor: the class's name (strategy.censored_class is its index)
  std::string twin_of;  // tendermint strategy twins: the group whose validator keys it signs with
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


struct SimConfig : NetworkSpec {
  bitcoin::NodeConfig node;
  TxWorkloadSpec transactions;
  DurationNs block_interval = 600 * kSecond;
  std::vector<GroupSpec> groups;
  StopSpec stop;
  // Round-trip every message through the byte-level wire codec and compare (design §3's
  // wire-check mode). Slow: for tests and for checking a scenario, not for production runs.
  bool wire_check = false;
  // churn.include_miners: nodes with hashrate may churn too. Eligible otherwise: nodes of
  // groups with no hashrate and no strategy; never strategy nodes or eclipse victims.
  bool churn_include_miners = false;
};

}  // namespace peerlab::sim
