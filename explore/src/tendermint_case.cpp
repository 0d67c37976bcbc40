// The Tendermint family's generated cases (tendermint_case.hpp): ranges (docs/testing.md), YAML
// and shrinking.
#include "peerlab/explore/tendermint_case.hpp"

#include <algorithm>
#include <cstdio>

#include "case_util.hpp"
#include "peerlab/explore/rng_purposes.hpp"

namespace peerlab::explore {
namespace {

// As for the Bitcoin family's cases: a sparse enough initial topology is always buildable.
constexpr std::uint32_t kMinNodes = 16;
std::uint32_t MaxOutbound(std::uint32_t nodes) { return std::max<std::uint32_t>(2, nodes / 4); }

// a / b with 12 digits: shares that sum to 1 within the scenario layer's 1e-9.
std::string Fraction(std::uint32_t a, std::uint32_t b) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.12g", static_cast<double>(a) / b);
  return buf;
}

}  // namespace

DurationNs TendermintCase::stop_time() const { return faults_end() + kTendermintResumeBound; }

std::string TendermintCase::ToYaml(const std::string& name) const {
  std::string y =
      "# Drawn by `peerlab explore tendermint` (docs/testing.md); `peerlab run` reproduces it.\n";
  y += "version: 1\nname: " + name + "\nseed: " + std::to_string(seed) + "\n";
  y += "stop: {heights: " + std::to_string(heights) + ", time: " + Ms(stop_time()) + "}\n";
  y += "network:\n  nodes: " + std::to_string(nodes) + "\n  regions: simblock-2019\n";
  y += "  topology: {kind: bitcoin, outbound: " + std::to_string(outbound) +
       ", block_relay_only: 0, max_inbound: 40}\n";
  y += disruptions.FaultsYaml();
  y += "protocol: {kind: tendermint}\n";
  if (tx_rate > 0) y += "transactions: {rate: " + Share(tx_rate) + "}\n";
  // Equal power per validator: the groups' shares are their validator counts' shares.
  const std::uint32_t all = validators + byzantine;
  const bool twins = attack == "twins";
  const std::uint32_t first = twins ? (validators + 1) / 2 : validators;
  y += "groups:\n  validators: {nodes: " + std::to_string(first) +
       ", voting_power: " + Fraction(first, all) + "}\n";
  if (twins) {
    y += "  validators-b: {nodes: " + std::to_string(validators - first) +
         ", voting_power: " + Fraction(validators - first, all) + "}\n";
    y += "  byzantine: {nodes: " + std::to_string(byzantine) +
         ", voting_power: " + Fraction(byzantine, all) + "}\n";
    y += "  twins: {nodes: " + std::to_string(byzantine) +
         ", voting_power: 0, strategy: {kind: twins, of: byzantine}}\n";
  } else if (byzantine > 0) {
    y += "  byzantine: {nodes: " + std::to_string(byzantine) +
         ", voting_power: " + Fraction(byzantine, all) + ", strategy: {kind: " + attack + "}}\n";
  }
  y += "  full: {nodes: rest, voting_power: 0}\n";
  y += disruptions.EventsYaml();
  y += "outputs: [summary, heights]\n";
  return y;
}

TendermintCase DrawTendermintCase(std::uint64_t seed, std::uint64_t index) {
  Rng rng(seed, index, rng_purpose::kTendermintCases);
  TendermintCase c;
  c.seed = 1 + rng.Below(1'000'000);
  c.nodes = static_cast<std::uint32_t>(kMinNodes + rng.Below(33));  // 16 to 48
  c.validators = static_cast<std::uint32_t>(4 + rng.Below(7));      // 4 to 10
  if (rng.Uniform() < 0.4) {
    // Fewer than a third of all validators: b < (v + b) / 3, i.e. 2b < v.
    c.byzantine = static_cast<std::uint32_t>(1 + rng.Below((c.validators - 1) / 2));
    static constexpr const char* kAttacks[] = {"silent", "equivocate", "twins"};
    c.attack = kAttacks[rng.Below(3)];
    // The twins are nodes too.
    if (c.attack == "twins") c.nodes = std::max(c.nodes, c.validators + 2 * c.byzantine + 1);
  }
  c.outbound = static_cast<std::uint32_t>(2 + rng.Below(MaxOutbound(c.nodes) - 1));
  c.heights = static_cast<std::uint32_t>(5 + rng.Below(26));  // 5 to 30
  if (rng.Uniform() < 0.25) c.tx_rate = 1 + rng.Uniform() * 20;
  // A height takes a second or two: faults act within the first 30 s, amid the heights.
  const DurationNs faults_by = 30 * kSecond;
  c.disruptions = DrawCaseFaults(rng, c.nodes,
                                 {.by = faults_by,
                                  .min_partition = kSecond,
                                  .partition_delay_min = 100 * kMillisecond,
                                  .partition_delay_max = 10 * kSecond,
                                  .fault_delay_max = kSecond});
  if (c.attack == "twins") {
    // Every partition splits every pair: the originals (with one honest half, or alone)
    // against the rest, which holds the twins.
    for (CasePartition& p : c.disruptions.partitions) {
      p.side.clear();
      p.side_groups = {"byzantine"};
      const auto half = rng.Below(3);
      if (half == 1) p.side_groups.push_back("validators");
      if (half == 2) p.side_groups.push_back("validators-b");
    }
  }
  return c;
}

std::vector<TendermintCase> ShrinkSteps(const TendermintCase& c) {
  std::vector<TendermintCase> out;
  const std::uint32_t byzantine_nodes = c.attack == "twins" ? 2 * c.byzantine : c.byzantine;
  for (const std::uint32_t n : {c.nodes / 2, c.nodes * 3 / 4, c.nodes - 1}) {
    if (n < kMinNodes || n >= c.nodes || n < c.validators + byzantine_nodes + 1) continue;
    TendermintCase s = c;
    s.nodes = n;
    s.outbound = std::min(s.outbound, MaxOutbound(n));
    if (s.disruptions.ClipTo(n)) out.push_back(std::move(s));
  }
  if (c.heights > 2) {
    TendermintCase s = c;
    s.heights = c.heights - 1;
    out.push_back(std::move(s));
  }
  for (CaseFaults& fewer : c.disruptions.WithoutOne()) {
    TendermintCase s = c;
    s.disruptions = std::move(fewer);
    out.push_back(std::move(s));
  }
  if (c.byzantine > 0) {
    TendermintCase s = c;
    s.byzantine = 0;
    s.attack.clear();
    // Partitions by groups split the twins (no groups left to name): they go with them.
    std::erase_if(s.disruptions.partitions,
                  [](const CasePartition& p) { return !p.side_groups.empty(); });
    out.push_back(std::move(s));
  }
  if (c.tx_rate > 0) {
    TendermintCase s = c;
    s.tx_rate = 0;
    out.push_back(std::move(s));
  }
  if (c.attack == "twins" && c.byzantine > 1) {
    TendermintCase s = c;  // one pair fewer
    --s.byzantine;
    out.push_back(std::move(s));
  }
  if (c.validators > 4 && c.validators - 1 > 2 * c.byzantine) {
    TendermintCase s = c;
    s.validators = c.validators - 1;
    out.push_back(std::move(s));
  }
  return out;
}

std::uint64_t CaseSize(const TendermintCase& c) {
  return std::uint64_t{c.nodes} * 1000 + c.heights * 10 + c.disruptions.partitions.size() +
         c.disruptions.faults.size() +
         c.byzantine + (c.tx_rate > 0) + c.validators;
}

}  // namespace peerlab::explore
