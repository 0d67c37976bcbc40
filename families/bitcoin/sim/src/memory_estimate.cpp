#include "peerlab/bitcoin/sim/memory_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace peerlab::sim {

namespace {

// Measured coefficients (docs/limits.md "Memory (defect 5)" has the runs and the commands;
// release build, peak RSS by `/usr/bin/time -f %M`), each rounded up:
//   fixed: the binary, its libraries, region tables; a 20-node run peaks at about 12 MiB,
//     a 10,000-node run extrapolates to 20-24 MiB at zero nodes.
//   per node: 1 KiB besides its connections and address manager.
//   per outbound connection of a node (both ends: session, peer slot, driver link, queued
//     events): 1.1 KiB measured (bitcoin.yaml, addr_gossip off, outbound 8, 16, 32).
//   per address-manager entry: 32 bytes (entry and slot index) plus growth slack. With
//     addr_gossip full the managers fill up (default.yaml at 10,000 nodes: 30 KiB per node,
//     of which the 640-entry manager is about 20 KiB). With getaddr only, a node learns its
//     seeds and peers plus one getaddr answer per outbound connection (at most 23 % of the
//     answering manager, Core's MAX_PCT_ADDR_TO_SEND); without churn or feelers the managers
//     answer from about that first set, which bitcoin.yaml measures (2.2 KiB per node over
//     gossip off, about 55 entries). With churn or feelers they keep learning: taken as full.
//   per node and block: a status byte per block, in a vector that may double (2 bytes).
//   per block: block store entry, propagation record, report row and CSV line.
//   per transaction relayed: each node's status byte and mempool handles, the store entry.
//   per connection when transactions are relayed: a 1 KiB recently-known ring at each end.
constexpr double kFixedBytes = 32.0 * 1024 * 1024;
constexpr double kPerNode = 1024;
constexpr double kPerOutbound = 1280;
constexpr double kPerAddress = 40;
constexpr double kPerNodePerBlock = 2;
constexpr double kPerBlock = 2048;
constexpr double kPerNodePerTx = 8;
constexpr double kPerTx = 512;
constexpr double kPerOutboundTxRelay = 2 * 1024 + 256;

// Poisson counts with mean m stay below m + 6 sqrt(m) + 10 except with negligible chance.
double UpperCount(double mean) { return mean + 6 * std::sqrt(mean) + 10; }

std::string Sci(double x) {
  char buf[32];
  if (x < 1e9) {
    std::snprintf(buf, sizeof buf, "%.0f", x);
  } else {
    std::snprintf(buf, sizeof buf, "%.2g", x);
  }
  return buf;
}

}  // namespace

std::string FormatBytes(double bytes) {
  char buf[48];
  const double mib = bytes / (1024.0 * 1024.0);
  if (mib < 1024) {
    std::snprintf(buf, sizeof buf, "%.0f MiB", mib);
  } else if (mib < 1024.0 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", mib / 1024);
  } else if (mib < 1024.0 * 1e5) {
    std::snprintf(buf, sizeof buf, "%.0f GiB", mib / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%.2g GiB", mib / 1024);
  }
  return buf;
}

MemoryEstimate EstimateMemory(const SimConfig& config) {
  MemoryEstimate e;
  const double nodes = config.nodes;
  const double interval_s = std::max<double>(config.block_interval, 1) / 1e9;

  // Blocks: stop.blocks bounds them; stop.time bounds them through the block interval.
  double blocks = HUGE_VAL;
  if (config.stop.blocks) blocks = *config.stop.blocks;
  if (config.stop.time) {
    blocks = std::min(blocks, UpperCount(static_cast<double>(*config.stop.time) / 1e9 / interval_s));
  }
  if (!std::isfinite(blocks)) blocks = 0;  // validation requires a stop condition
  // Simulated time, for the transaction workload.
  double duration_s = 0;
  if (config.stop.time) {
    duration_s = static_cast<double>(*config.stop.time) / 1e9;
  } else if (config.stop.blocks) {
    duration_s = UpperCount(*config.stop.blocks) * interval_s +
                 static_cast<double>(config.stop.drain) / 1e9;
  }
  const double txs = config.transactions.rate_per_s > 0
                         ? UpperCount(config.transactions.rate_per_s * duration_s)
                         : 0;
  e.blocks = blocks;
  e.txs = txs;

  // Connections a node opens; each also costs its other end, counted in kPerOutbound.
  double outbound = 0;
  switch (config.topology.kind) {
    case TopologyKind::kOutboundChoice:
      // Plus a feeler now and then.
      outbound = config.topology.outbound + config.topology.restricted_outbound + 1.0;
      break;
    case TopologyKind::kRandomRegular:
      outbound = config.topology.degree / 2.0;
      break;
    case TopologyKind::kEdgeList:
      outbound = 8;  // the file is read at build time; a typical degree of 16
      break;
  }
  // Address managers: never more entries than their tables hold or addresses exist. An
  // eclipse attacker's own addresses go to its victim (floods, its connections), one node.
  const auto& am = config.node.addrman;
  const double capacity =
      (static_cast<double>(am.new_buckets) + am.tried_buckets) * am.bucket_size;
  const double first_set = config.topology.seed_addresses + 2 * outbound;
  double known = std::min(capacity, nodes);
  if (config.node.addr_gossip == bitcoin::AddrGossip::kOff) {
    known = std::min(first_set, nodes);
  } else if (config.node.addr_gossip == bitcoin::AddrGossip::kGetAddr && !config.churn.enabled &&
             config.node.feeler_interval == 0) {
    constexpr double kGetAddrShare = 0.23;
    known = std::min(known, first_set * (1 + kGetAddrShare * outbound));
  }
  double victims_bytes = 0;
  for (const GroupSpec& g : config.groups) {
    if (g.strategy.kind != bitcoin::StrategyKind::kEclipse) continue;
    const double flooded =
        static_cast<double>(g.strategy.attack_addresses) + g.strategy.trash_addresses;
    victims_bytes += kPerAddress * std::min(capacity, nodes + flooded);
  }

  e.per_node_bytes = kPerNode + kPerOutbound * outbound + kPerAddress * known +
                     (txs > 0 ? kPerOutboundTxRelay * outbound : 0);
  const double node_term = nodes * e.per_node_bytes + victims_bytes;
  const double block_term = blocks * (kPerBlock + kPerNodePerBlock * nodes);
  const double tx_term = txs * (kPerTx + kPerNodePerTx * nodes);
  e.bytes = kFixedBytes + node_term + block_term + tx_term;

  const std::string n = Sci(nodes) + " nodes";
  if (block_term >= node_term && block_term >= tx_term) {
    e.dominant = "blocks";
    e.explanation = "about " + Sci(blocks) + " blocks x " + n +
                    (config.stop.time && (!config.stop.blocks || blocks < *config.stop.blocks)
                         ? " (stop.time / protocol.block_interval)"
                         : " (stop.blocks)");
  } else if (tx_term >= node_term) {
    e.dominant = "transactions";
    e.explanation = "about " + Sci(txs) + " transactions (transactions.rate x simulated time) x " + n;
  } else {
    e.dominant = "nodes";
    char per_node[32];
    std::snprintf(per_node, sizeof per_node, "%.1f KiB", e.per_node_bytes / 1024);
    e.explanation = n + " x " + per_node;
  }
  return e;
}

}  // namespace peerlab::sim
