#include "peerlab/results/summary.hpp"

#include "peerlab/util/assert.hpp"
#include "peerlab/util/hash.hpp"
#include "peerlab/util/version.hpp"

namespace peerlab::results {

SummaryWriter::SummaryWriter(const SummaryHead& h) {
  using namespace summary;
  w_.BeginObject();
  w_.Key(kScenario).String(h.scenario);
  w_.Key(kSeed).UInt(h.seed);
  w_.Key(kBackend).String(h.backend);
  w_.Key(kNodes).UInt(h.nodes);
  w_.Key(kSimTimeS).Double(h.sim_time_s);
  w_.Key(kBlocks).BeginObject();
  w_.Key("mined").UInt(h.blocks_mined);
  w_.Key("main_chain").UInt(h.blocks_main);
  w_.Key("stale").UInt(h.blocks_stale);
  w_.Key("stale_rate").Double(h.stale_rate);
  w_.Key("main_tip_height").UInt(h.main_tip_height);
  w_.EndObject();
  w_.Key(kPropagationS).BeginObject();
  w_.Key("p50").Double(h.propagation_p50_s);
  w_.Key("p90").Double(h.propagation_p90_s);
  w_.Key("p99").Double(h.propagation_p99_s);
  w_.EndObject();
}

JsonWriter& SummaryWriter::Section(std::string_view key) {
  PEERLAB_ASSERT(next_ < summary::kSections.size() && summary::kSections[next_] == key);
  ++next_;
  return w_.Key(key);
}

void SummaryWriter::Groups(std::span<const SummaryGroup> groups) {
  using namespace summary;
  Section(kGroups).BeginObject();
  for (const SummaryGroup& g : groups) {
    w_.Key(g.name).BeginObject();
    w_.Key(kHashrate).Double(g.hashrate);
    w_.Key(kNodes).UInt(g.nodes);
    w_.Key(kBlocksMined).UInt(g.blocks_mined);
    w_.Key("blocks_main").UInt(g.blocks_main);
    w_.Key("revenue_share").Double(g.revenue_share);
    w_.EndObject();
  }
  w_.EndObject();
}

JsonWriter& SummaryWriter::Extension(std::string_view key) {
  PEERLAB_ASSERT(next_ == summary::kSections.size());
  return w_.Key(key);
}

std::string SummaryWriter::Finish() {
  PEERLAB_ASSERT(next_ == summary::kSections.size());
  w_.EndObject();
  return w_.Finish();
}

void WriteDistribution(JsonWriter& w, const DistributionValues& d) {
  w.BeginObject();
  w.Key(summary::kDistribution[0]).Double(d.mean);
  w.Key(summary::kDistribution[1]).Double(d.p50);
  w.Key(summary::kDistribution[2]).Double(d.p90);
  w.Key(summary::kDistribution[3]).Double(d.p99);
  w.EndObject();
}

void WriteManifestHead(JsonWriter& w, const ManifestHead& m) {
  w.Key("peerlab_version").String(kVersion);
  w.Key("git_commit").String(kGitCommit);
  w.Key("scenario_file").String(m.scenario_file);
  const auto* text = reinterpret_cast<const std::uint8_t*>(m.scenario_text.data());
  w.Key("scenario_sha256").String(Sha256({text, m.scenario_text.size()}).ToDigestHex());
  w.Key(summary::kSeed).UInt(m.seed);
  w.Key("overrides").BeginArray();
  for (const std::string& o : m.overrides) w.String(o);
  w.EndArray();
  w.Key(summary::kBackend).String(m.backend);
  w.Key(kResolvedScenario).Raw(m.resolved_json);
  w.Key("wall_s").Double(m.wall_s);
}

}  // namespace peerlab::results
