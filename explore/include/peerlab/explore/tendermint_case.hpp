// One generated Tendermint-family scenario of `peerlab explore tendermint` (docs/testing.md,
// "Exploration"): what the generator draws and the shrinker cuts down, rendered to YAML.
// Contract as bitcoin_case.hpp: Draw is a pure function of (seed, index), every case drawn or
// shrunk is a valid scenario, and byzantine validators hold less than a third of the power.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "peerlab/explore/case_faults.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::explore {

struct TendermintCase {
  std::uint64_t seed = 1;
  std::uint32_t nodes = 20;
  std::uint32_t validators = 4;  // honest validators (equal power each)
  std::uint32_t byzantine = 0;   // validators playing `attack` (fewer than a third of all)
  // silent, equivocate, or twins: each byzantine validator runs twice with one key (group
  // `twins`), the honest ones are split into two groups (`validators`, `validators-b`), and
  // each partition puts the byzantine originals, with one honest half or none, against the
  // rest, which holds the twins (CasePartition::side_groups).
  std::string attack;
  std::uint32_t outbound = 4;
  std::uint32_t heights = 5;
  double tx_rate = 0;
  CaseFaults disruptions;  // partitions and message faults

  DurationNs faults_end() const { return disruptions.end(); }
  // The run's hard end: the faults' end plus the time commits get to resume.
  DurationNs stop_time() const;
  std::string ToYaml(const std::string& name) const;
};

TendermintCase DrawTendermintCase(std::uint64_t seed, std::uint64_t index);
std::vector<TendermintCase> ShrinkSteps(const TendermintCase& c);
std::uint64_t CaseSize(const TendermintCase& c);

// How long after the last fault commits must resume (docs/testing.md): a few rounds of
// CometBFT's default timeouts, and time to reconnect after a drop partition or after a lost
// message (the keep-alive closes a connection with a hole within 105 s).
inline constexpr DurationNs kTendermintResumeBound = 5 * kMinute;

}  // namespace peerlab::explore
