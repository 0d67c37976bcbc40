// An upper-ish estimate of a run's peak memory from its SimConfig alone, before anything is
// built, so that a scenario far too big for the machine (10^7 nodes, or a block every
// nanosecond for an hour) is refused in a second instead of swapping or dying after minutes.
//
// Contract: a pure function of the config (no allocation proportional to it, no files); it
// never changes a run. The coefficients are measured peak RSS (docs/limits.md, "Memory
// (defect 5)"), rounded up so that every measured run lies below its estimate; the estimate
// may be about twice the truth (e.g. `addr_gossip: getaddr` rarely fills address managers) but
// should not be below it for the fast engine. The ns-3 backend's packet state is not counted.
#pragma once

#include <string>

#include "peerlab/bitcoin/sim/config.hpp"

namespace peerlab::sim {

struct MemoryEstimate {
  double bytes = 0;   // estimated peak resident memory of the whole run
  double blocks = 0;  // blocks the run is expected to mine (upper-ish)
  double txs = 0;     // transactions it is expected to create (upper-ish)
  // Per node, independent of blocks and transactions: state, connections, address manager.
  double per_node_bytes = 0;
  // Which term is largest: "nodes", "blocks" or "transactions", and a human-readable account
  // of it ("5000000 nodes x 12.3 KiB", "3.6e+12 blocks (stop.time / protocol.block_interval) x
  // 1000 nodes"), for the one-line refusal.
  std::string dominant;
  std::string explanation;
};

MemoryEstimate EstimateMemory(const SimConfig& config);

// "512 MiB", "3.4 GiB", "2.1e+06 GiB": for messages.
std::string FormatBytes(double bytes);

}  // namespace peerlab::sim
