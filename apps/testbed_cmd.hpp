// `peerlab testbed`: a scenario run as real peerlabd processes on loopback (docs/testbed.md
// "peerlab testbed"). testbed_cmd.cpp plans the nodes and runs the processes;
// testbed_report.cpp turns their tables into the results contract (design §6).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "peerlab/results/run_directory.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::apps {

int TestbedMain(int argc, char** argv);

namespace testbed {

// One node of the scenario as a process.
struct NodePlan {
  std::uint32_t ip = 0;      // its own loopback address, 127.0.1.(index + 1)
  std::uint16_t port = 0;
  std::uint32_t region = 0;
  std::uint32_t as = 0;      // autonomous system (as the simulator draws it; no effect here)
  std::uint32_t group = 0;
  double hashrate = 0;       // share of the network's hashrate
  double mine_mean_s = 0;    // --mine; 0: not a miner
  std::vector<std::uint32_t> connect;  // nodes this one dials (the scenario's edges from it)
  std::vector<std::uint32_t> connect_block_relay;  // ...of those, block-relay-only edges
  std::vector<std::pair<std::uint32_t, double>> delays_ms;  // (peer node, one-way ms)
  std::string datadir;       // inside the staged run directory
};

// What happened to one process.
struct NodeOutcome {
  int pid = -1;
  bool exited = false;
  int exit_code = -1;    // when it exited normally
  int signal = 0;        // when a signal ended it
  bool crashed = false;  // ended before the testbed stopped it, or not with exit 0
  bool killed = false;   // needed SIGKILL after SIGTERM
};

struct RunInfo {
  std::string mode;         // "netem", "userspace-delay" or "none"
  std::string netem_probe;  // what the netem probe said
  std::string chain;
  std::string peerlabd;     // the binary
  double duration_s = 0;    // planned wall-clock duration
  double elapsed_s = 0;     // from the first start to the stop signal
  double mining_stop_s = 0;  // --mine-until: miners stop this long after their start
  double unix_start = 0;    // wall clock when the first daemon was started
  bool interrupted = false;  // SIGINT/SIGTERM to peerlab testbed
  std::string stop_reason;
  std::vector<std::string> crashes;  // one line per daemon that ended badly
};

// What a daemon's status.json says (ok false: not written yet, or unreadable).
struct NodeStatus {
  bool ok = false;
  std::string tip_id;
  std::uint64_t tip_height = 0, blocks_mined = 0, established = 0;
};
NodeStatus ReadStatus(const std::string& datadir);

// Reads every node's blocks.csv and status.json and writes summary.json, blocks.csv,
// edges.csv, nodes.csv and run.json into `dir`; `summary` gets summary.json's text.
Status WriteResults(const scenario::Scenario& scenario, const std::vector<NodePlan>& plan,
                    const std::vector<NodeOutcome>& outcomes, const RunInfo& info,
                    results::RunDirectory& dir, std::string* summary);

}  // namespace testbed
}  // namespace peerlab::apps
