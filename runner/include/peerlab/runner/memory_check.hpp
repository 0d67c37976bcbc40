// Refusing a scenario whose estimated peak memory (sim::EstimateMemory) exceeds the memory
// this process may still use (ReadAvailableMemory), before anything is built. Used by
// `peerlab check`, `peerlab run` (unless --ignore-memory-estimate) and the Python run path
// (RunScenario). docs/limits.md, "Memory (defect 5)".
#pragma once

#include <optional>
#include <string>

#include "peerlab/scenario/scenario.hpp"
#include "peerlab/bitcoin/sim/memory_estimate.hpp"
#include "peerlab/util/status.hpp"
#include "peerlab/util/system_memory.hpp"

namespace peerlab::runner {

using scenario::Scenario;

struct MemoryCheck {
  sim::MemoryEstimate estimate;
  std::optional<AvailableMemory> available;  // nullopt: unknown, nothing is refused
  bool fits() const { return !available || estimate.bytes <= static_cast<double>(available->bytes); }
};

MemoryCheck CheckMemory(const Scenario& scenario);

// Ok when the estimate fits; else one line, e.g. "s.yaml: estimated peak memory 61 GiB
// exceeds the 21.9 GiB available (MemAvailable): 5000000 nodes x 12.8 KiB; use fewer nodes
// ... or pass --ignore-memory-estimate".
Status RefuseIfTooBig(const Scenario& scenario, const MemoryCheck& check);

}  // namespace peerlab::runner
