// Running a protocol.kind tendermint scenario: build the family's simulation, run it, write
// summary.json (its `consensus` section, design §6), heights.csv and run.json.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "peerlab/results/json.hpp"
#include "peerlab/results/run_directory.hpp"
#include "peerlab/results/summary.hpp"
#include "peerlab/results/tables.hpp"
#include "peerlab/runner/run.hpp"
#include "peerlab/tendermint/sim/simulation.hpp"
#include "peerlab/util/assert.hpp"
#ifdef PEERLAB_HAVE_NS3
#include "peerlab/ns3/ns3_transport.hpp"
#endif

namespace peerlab::runner {
namespace {

double Seconds(DurationNs d) { return static_cast<double>(d) / 1e9; }

// summary.json `partitions` (only when the scenario has them): the Bitcoin family's keys for
// when and how, each side's nodes and voting power, and what the partition did to commits.
void WritePartitions(results::JsonWriter& w, const tendermint::RunReport& r) {
  using namespace results::summary;
  auto seconds = [](const std::optional<TimeNs>& t) {
    return t ? std::optional<double>(Seconds(*t)) : std::nullopt;
  };
  w.Key(kPartitions).BeginArray();
  for (const tendermint::PartitionRow& p : r.partitions) {
    w.BeginObject();
    w.Key(kAtS).Double(Seconds(p.at));
    w.Key(kHealedAtS).Double(seconds(p.healed_at));
    w.Key(kMode).String(p.drop ? "drop" : "delay");
    w.Key(kSides).BeginArray();
    for (const tendermint::PartitionSideRow& s : p.sides) {
      w.BeginObject();
      w.Key(kNodes).UInt(s.nodes);
      w.Key(consensus::kVotingPower).Double(s.voting_power);
      w.EndObject();
    }
    w.EndArray();
    w.Key(consensus::kHeightsDuring).UInt(p.heights_during);
    w.Key(consensus::kHealToCommitS).Double(seconds(p.heal_to_commit));
    w.EndObject();
  }
  w.EndArray();
}

// summary.json `transactions`, with the Bitcoin family's keys where they mean the same
// (inclusion: in a committed block; delay in heights where Bitcoin counts blocks); null without
// a workload.
void WriteTransactions(results::JsonWriter& w, const tendermint::RunReport& r) {
  using namespace results::summary;
  w.Key(kTransactions);
  if (!r.tx_workload) {
    w.Null();
    return;
  }
  std::uint64_t created = 0, included = 0;
  for (const tendermint::TxClassReport& c : r.tx_classes) {
    created += c.created;
    included += c.included;
  }
  w.BeginObject();
  w.Key(kCreated).UInt(created);
  w.Key(kIncluded).UInt(included);
  w.Key(kClasses).BeginObject();
  for (const tendermint::TxClassReport& c : r.tx_classes) {
    w.Key(c.name).BeginObject();
    w.Key(kCreated).UInt(c.created);
    w.Key(kIncluded).UInt(c.included);
    w.Key(kIncludedShare).Double(c.included_share);
    w.Key(kNeverIncludedShare)
        .Double(c.included_share ? std::optional<double>(1 - *c.included_share) : std::nullopt);
    w.Key(kInclusionDelayS);
    WriteDistribution(w, c.inclusion_delay_s);
    w.Key(kInclusionDelayHeights);
    WriteDistribution(w, c.inclusion_delay_heights);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

std::string TendermintSummaryJson(const Scenario& scenario, const tendermint::RunReport& r,
                                  std::uint32_t validators) {
  using namespace results::summary;
  results::JsonWriter w;
  w.BeginObject();
  w.Key(kScenario).String(scenario.name);
  w.Key(kSeed).UInt(scenario.tendermint.seed);
  w.Key(kBackend).String(sim::BackendName(scenario.tendermint.backend));
  w.Key(kProtocol).String("tendermint");
  w.Key(kNodes).UInt(scenario.tendermint.nodes);
  w.Key(kSimTimeS).Double(Seconds(r.end_time));
  w.Key(kConsensus).BeginObject();
  w.Key(consensus::kValidators).UInt(validators);
  w.Key(consensus::kHeightsCommitted).Int(r.heights_committed);
  w.Key(consensus::kMaxHeight).Int(r.max_height_committed);
  w.Key(consensus::kCommitLatencyS).BeginObject();
  w.Key("p50").Double(r.latency_p50_s);
  w.Key("p90").Double(r.latency_p90_s);
  w.Key("p99").Double(r.latency_p99_s);
  w.EndObject();
  w.Key(consensus::kRoundsPerHeight).BeginObject();
  w.Key("mean").Double(r.heights.empty() ? std::optional<double>{} : r.rounds_mean);
  w.Key("max").Int(r.rounds_max);
  w.EndObject();
  w.Key(consensus::kTimeouts).BeginObject();
  w.Key("propose").UInt(r.timeouts_propose);
  w.Key("prevote").UInt(r.timeouts_prevote);
  w.Key("precommit").UInt(r.timeouts_precommit);
  w.EndObject();
  w.Key(consensus::kEquivocations).BeginObject();
  w.Key("detected").UInt(r.equivocations_detected);
  w.Key("committed").UInt(r.equivocations_committed);
  w.EndObject();
  w.Key(consensus::kPerNodePerHeight).BeginObject();
  w.Key("messages").Double(r.messages_per_node_height);
  w.Key("bytes").Double(r.bytes_per_node_height);
  w.EndObject();
  std::uint64_t txs = 0;
  for (const tendermint::HeightRow& h : r.heights) txs += h.txs;
  w.Key(consensus::kTransactionsCommitted).UInt(txs);
  w.Key(consensus::kSafetyViolation);
  if (r.safety_violation.empty()) {
    w.Null();
  } else {
    w.String(r.safety_violation);
  }
  w.EndObject();
  if (!r.partitions.empty()) WritePartitions(w, r);
  WriteTransactions(w, r);
  if (scenario.tendermint.churn.enabled) {
    w.Key(kChurn);
    WriteChurn(w, r.churn);
  }
  if (r.network_faults) {
    w.Key(kNetworkFaults);
    WriteMessageFaults(w, *r.network_faults);
  }
  w.EndObject();
  return w.Finish();
}

std::string HeightsCsv(const tendermint::RunReport& r) {
  auto seconds = [](DurationNs d) {
    return d < 0 ? std::optional<double>{} : std::optional<double>(static_cast<double>(d) / 1e9);
  };
  results::Table<results::HeightRow> table;
  for (const tendermint::HeightRow& h : r.heights) {
    table.Add({.height = h.height,
               .round = h.round,
               .proposer = h.proposer,
               .proposed_s = seconds(h.proposed_at),
               .first_commit_s = seconds(h.first_commit_at),
               .to_50_s = seconds(h.to_50),
               .to_90_s = seconds(h.to_90),
               .to_99_s = seconds(h.to_99),
               .to_all_s = seconds(h.to_all),
               .committed_by = h.committed_by,
               .txs = h.txs,
               .evidence = h.evidence,
               .bytes = h.bytes,
               .proposer_group = h.proposer_group});
  }
  return table.text();
}

std::string TendermintManifestJson(const Scenario& scenario, const tendermint::RunReport& r,
                                   double wall_s, double peak_rss_mb) {
  results::JsonWriter w;
  BeginManifest(w, scenario, scenario.tendermint, r.events, wall_s);
  WriteRunTimes(w, r.events, wall_s, peak_rss_mb, 1, 1);  // the family runs on one thread
  w.Key("messages").UInt(r.messages);
  w.Key("connection_flushes").UInt(r.batches);
  w.Key("wire_bytes").UInt(r.wire_bytes);
  w.EndObject();
  w.EndObject();
  return w.Finish();
}

Result<RunOutcome> RunTendermint(const Scenario& scenario, const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<sim::Transport> transport;
#ifdef PEERLAB_HAVE_NS3
  if (scenario.tendermint.backend == sim::Backend::kNs3) {
    transport = ns3net::MakeNs3Transport(scenario.tendermint);
  }
#endif
  PEERLAB_ASSERT((scenario.tendermint.backend == sim::Backend::kNs3) == (transport != nullptr));
  auto built = tendermint::Simulation::Build(scenario.tendermint, std::move(transport));
  if (!built.ok()) return Status::Error(scenario.file + ": " + built.status().message());
  tendermint::Simulation& simulation = **built;
  std::optional<results::RunDirectory> dir;
  if (!options.out_dir.empty()) {
    auto opened = results::RunDirectory::Open(options.out_dir, options.replace);
    if (!opened.ok()) return opened.status();
    dir.emplace(std::move(opened).value());
  }
  const Status safety = simulation.Run(options.progress);
  const tendermint::RunReport& r = simulation.report();
  RunOutcome outcome;
  outcome.protocol = "tendermint";
  outcome.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  outcome.peak_rss_mb = PeakRssMb();
  // Validators that sign: distinct keys held by a node (a pair of twins counts once).
  std::set<tendermint::ValidatorIndex> signing;
  for (std::uint32_t i = 0; i < simulation.node_count(); ++i) {
    const tendermint::ConsensusState& c = simulation.node(i).consensus();
    if (c.validators().Size() > 0 && c.IsValidator()) signing.insert(c.my_index());
  }
  const auto validators = static_cast<std::uint32_t>(signing.size());
  outcome.summary_json = TendermintSummaryJson(scenario, r, validators);
  outcome.manifest_json = TendermintManifestJson(scenario, r, outcome.wall_s, outcome.peak_rss_mb);
  if (!safety.ok()) {
    // A broken agreement is a finding, not a crash: the run is written, and the caller exits
    // non-zero with the seed and height.
    outcome.safety = Status::Error("seed=" + std::to_string(scenario.tendermint.seed) +
                                   " scenario=" + scenario.file + ": " + safety.message());
  }
  if (!dir) return outcome;
  Status s = dir->Write(results::summary::kFile, outcome.summary_json);
  // `blocks` (the default) and `heights` both ask for the per-height table.
  auto wants = [&](std::string_view name) {
    return std::find(scenario.outputs.begin(), scenario.outputs.end(), name) !=
           scenario.outputs.end();
  };
  const bool want_heights = wants("heights") || wants("blocks");
  if (s.ok() && want_heights) s = dir->Write(results::HeightRow::kFile, HeightsCsv(r));
  // The connection graph at the end, as for Bitcoin runs (`peerlab analyze` reads it).
  if (s.ok()) s = dir->Write(results::EdgeRow::kFile, EdgesCsv(simulation.engine().OpenEdges()));
  if (s.ok()) s = dir->Write(results::kManifestFile, outcome.manifest_json);
  if (!s.ok()) {
    dir->Abandon();
    return s;
  }
  s = dir->Commit();
  if (!s.ok()) return s;
  return outcome;
}

}  // namespace peerlab::runner
