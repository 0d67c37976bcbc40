#include "peerlab/runner/memory_check.hpp"

namespace peerlab::runner {

MemoryCheck CheckMemory(const Scenario& scenario) {
  return MemoryCheck{sim::EstimateMemory(scenario.sim), ReadAvailableMemory()};
}

Status RefuseIfTooBig(const Scenario& scenario, const MemoryCheck& check) {
  if (check.fits()) return Status::Ok();
  const sim::MemoryEstimate& e = check.estimate;
  std::string advice;
  if (e.dominant == "blocks") {
    advice = "use a longer protocol.block_interval, a shorter stop.time or fewer stop.blocks";
  } else if (e.dominant == "transactions") {
    advice = "use a lower transactions.rate or a shorter run";
  } else {
    advice = "use fewer network.nodes or connections";
  }
  return Status::Error(scenario.file + ": estimated peak memory " + sim::FormatBytes(e.bytes) +
                       " exceeds the " + sim::FormatBytes(static_cast<double>(check.available->bytes)) +
                       " available (" + check.available->source + "): " + e.explanation + "; " +
                       advice + ", or pass --ignore-memory-estimate to run anyway");
}

}  // namespace peerlab::runner
