// Running a validated scenario end to end: build the simulation, run it, write the run
// directory (run.json, summary.json, tables). Nothing is written unless the build succeeds,
// and the directory appears complete or not at all (results::RunDirectory). The writers map
// the engine's SimReport onto the results schema (results/tables.hpp, results/summary.hpp),
// which owns every file name, key and column.
#pragma once

#include <functional>
#include <string>

#include "peerlab/results/json.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/bitcoin/sim/report.hpp"
#include "peerlab/bitcoin/sim/simulation.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::runner {

using scenario::Scenario;

struct RunOptions {
  std::string out_dir;           // empty: do not write files
  bool replace = false;          // replace an existing run directory
  sim::Simulation::ProgressFn progress;  // called from the event loop every ~262k events
  // Run even when the estimated peak memory exceeds what is available (memory_check.hpp).
  bool ignore_memory_estimate = false;
};

struct RunOutcome {
  std::string protocol = "bitcoin";  // which family ran; `report` is filled for bitcoin only
  // Not ok when a tendermint run broke agreement (the run is written; seed and height said).
  Status safety;
  std::string manifest_json;  // run.json
  // Not ok when SimConfig::wire_check found a message that did not survive the byte round
  // trip (a defect in peerlab); nothing is written then and the report is partial.
  Status wire_check;
  sim::SimReport report;
  std::string summary_json;
  double wall_s = 0;
  double peak_rss_mb = 0;
};

// Refuses (one line) a scenario whose memory estimate exceeds the available memory unless
// `ignore_memory_estimate`. Running out of memory (std::bad_alloc, std::length_error) anywhere
// in the run is an error too, "FILE: out of memory after N events at simulated time T ...";
// the staging directory is removed then, and nothing is written.
Result<RunOutcome> RunScenario(const Scenario& scenario, const RunOptions& options);

// protocol.kind tendermint (run_tendermint.cpp): the same, for the Tendermint family.
Result<RunOutcome> RunTendermint(const Scenario& scenario, const RunOptions& options);

// The results contract (design §6), rendered deterministically.
std::string SummaryJson(const Scenario& scenario, const sim::SimReport& report);
std::string BlocksCsv(const Scenario& scenario, const sim::SimReport& report);
// One row per transaction (header only without a transaction workload).
std::string TransactionsCsv(const Scenario& scenario, const sim::SimReport& report);
std::string RunManifestJson(const Scenario& scenario, const sim::SimReport& report, double wall_s,
                            double peak_rss_mb);

// Topology files (topology_output.cpp): `edges.csv` (source,target,type), `nodes.csv`
// (node,region,as,group,hashrate,online), GraphML with the same attributes, and the file name of
// a snapshot, e.g. SnapshotName(3600 s, "edges", ".csv") = "edges_at_3600s.csv".
std::string EdgesCsv(const std::vector<sim::EdgeRow>& edges);
std::string NodesCsv(const Scenario& scenario, const sim::SimReport& report);
std::string GraphMl(const Scenario& scenario, const sim::SimReport& report,
                    const std::vector<sim::EdgeRow>& edges);
std::string SnapshotName(TimeNs at, const char* stem, const char* extension);

// run.json's head and `perf.events`, both objects left open for the family's own perf keys
// (both families).
void BeginManifest(results::JsonWriter& w, const Scenario& scenario, const sim::NetworkSpec& spec,
                   std::uint64_t events, double wall_s);
// run.json's `perf.{threads, shards, wall_s, events_per_s, peak_rss_mb}`, in that order (both
// families; threads: what the engine ran on, at most one per core; shards: what the nodes were
// split into, the threads asked for).
void WriteRunTimes(results::JsonWriter& w, std::uint64_t events, double wall_s,
                   double peak_rss_mb, std::uint32_t threads, std::uint32_t shards);

// A sample summary as summary.json's {mean, p50, p90, p99} (every family, the adversaries').
void WriteDistribution(results::JsonWriter& w, const sim::Distribution& d);

// summary.json `churn`: {nodes, departures, arrivals, link_failures, offline_at_end}, or null
// when the scenario has no churn (both families).
void WriteChurn(results::JsonWriter& w, const std::optional<sim::ChurnReport>& churn);
// summary.json `network_faults`: {dropped, duplicated, delayed} (both families).
void WriteMessageFaults(results::JsonWriter& w, const sim::MessageFaultReport& faults);

// Peak resident set size of this process so far, in MiB.
double PeakRssMb();

}  // namespace peerlab::runner
