// The Tendermint family's invariants, checked on a finished run (check.hpp; docs/testing.md).
#include <cstdio>
#include <string>

#include "peerlab/explore/check.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/tendermint/sim/simulation.hpp"
#include "peerlab/util/assert.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::explore {
namespace {

Verdict Fail(Verdict v, std::string invariant, std::string detail) {
  v.ok = false;
  v.invariant = std::move(invariant);
  v.detail = std::move(detail);
  return v;
}

std::string Seconds(TimeNs t) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f s", static_cast<double>(t) / 1e9);
  return buf;
}

}  // namespace

Verdict CheckTendermint(const std::string& yaml, DurationNs faults_end,
                        const CheckOptions& options) {
  Verdict v;
  PEERLAB_ASSERT(!options.assert_for_tests);
  auto scenario = scenario::ParseScenario(yaml, "explore.yaml", "", {});
  if (!scenario.ok()) return Fail(v, "valid-scenario", scenario.status().message());
  if (scenario->protocol != "tendermint") {
    return Fail(v, "valid-scenario", "protocol.kind is not tendermint");
  }
  tendermint::SimSpec spec = scenario->tendermint;
  spec.threads = 1;
  auto built = tendermint::Simulation::Build(spec, nullptr);
  if (!built.ok()) return Fail(v, "valid-scenario", built.status().message());
  tendermint::Simulation& s = **built;
  const Status run = s.Run();
  const tendermint::RunReport& r = s.report();
  const sim::Engine& engine = s.engine();
  v.sim_time_s = static_cast<double>(engine.now()) / 1e9;
  v.events = engine.events_processed();
  const auto faults = engine.ReportMessageFaults();
  if (faults) v.faults_injected = faults->dropped + faults->duplicated + faults->delayed;
  v.faults_injected += spec.events.size() / 2;

  std::string state = std::to_string(v.events) + "/" + std::to_string(engine.now());
  TimeNs last_commit = -1;
  for (const tendermint::HeightRow& h : r.heights) {
    state += "/" + std::to_string(h.height) + ":" + std::to_string(h.round) + ":" +
             std::to_string(h.first_commit_at);
    last_commit = std::max(last_commit, h.first_commit_at);
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(state.data());
  v.digest = Sha256({bytes, state.size()}).ToDigestHex().substr(0, 32);

  // Agreement: byzantine validators hold less than a third of the power (the generator's
  // rule), so no two nodes may commit different blocks at a height (the family checks it at
  // every commit and stops the run when it breaks).
  if (!r.safety_violation.empty() || !run.ok()) {
    return Fail(v, "agreement", !r.safety_violation.empty() ? r.safety_violation : run.message());
  }
  // Liveness: unless every height was committed, one is committed within the bound after the
  // last fault (the run's stop time). Not checked when messages were dropped: open defect D2.
  v.recovery_checked = !faults || faults->dropped == 0 || options.recovery_despite_drops;
  if (v.recovery_checked && r.heights_committed < spec.stop_heights &&
      last_commit <= faults_end) {
    return Fail(v, "liveness",
                std::to_string(r.heights_committed) + " of " + std::to_string(spec.stop_heights) +
                    " heights committed, the last at " +
                    (last_commit < 0 ? std::string("none") : Seconds(last_commit)) +
                    ", none after the last fault ended at " + Seconds(faults_end) +
                    " (run ended at " + Seconds(engine.now()) + ")");
  }
  return v;
}

}  // namespace peerlab::explore
