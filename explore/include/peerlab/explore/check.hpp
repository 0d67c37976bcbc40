// Runs one generated scenario in this process and checks the family's invariants on it
// (docs/testing.md, "Exploration", lists them). `peerlab explore` calls this in a child process
// per run, so an assertion that fires is a failure of that run, not of the campaign.
#pragma once

#include <cstdint>
#include <string>

#include "peerlab/util/time.hpp"

namespace peerlab::explore {

struct CheckOptions {
  // Test hook: every node carries the planted bug (NodeConfig::planted_never_reorganise).
  bool plant_never_reorganise = false;
  // Test hook: the check fails an assertion before running (the campaign must survive it).
  bool assert_for_tests = false;
};

struct Verdict {
  bool ok = true;
  std::string invariant;  // which one failed ("" when ok)
  std::string detail;     // what was seen, with node and block
  std::string digest;     // of the final state: a replay must give the same
  double sim_time_s = 0;
  std::uint64_t events = 0;
  std::uint64_t faults_injected = 0;  // messages dropped, duplicated or delayed, partitions
  // The invariant on what follows the last fault applied (Bitcoin: convergence, when a block
  // followed it; Tendermint: liveness, on every run; docs/testing.md).
  bool recovery_checked = false;
  // Checkpoints during the run at which the state invariants were checked (besides the end).
  std::uint64_t checkpoints = 0;
};

// `yaml`: a scenario of the Bitcoin family; `faults_end`: when its last partition healed and
// its last message fault ended (the convergence invariant applies to what follows).
Verdict CheckBitcoin(const std::string& yaml, DurationNs faults_end, const CheckOptions& options);
// The same for the Tendermint family (`recovery_checked`: the liveness invariant applied).
Verdict CheckTendermint(const std::string& yaml, DurationNs faults_end,
                        const CheckOptions& options);
// CheckBitcoin or CheckTendermint by family name ("bitcoin", "tendermint").
Verdict CheckFamily(const std::string& family, const std::string& yaml, DurationNs faults_end,
                    const CheckOptions& options);

}  // namespace peerlab::explore
