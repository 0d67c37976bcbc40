// The Bitcoin family's generated cases (bitcoin_case.hpp): the generator's ranges, the YAML
// they render to, and the shrinker's steps. The ranges are listed in docs/testing.md.
#include "peerlab/explore/bitcoin_case.hpp"

#include <algorithm>
#include <cstdio>

#include "case_util.hpp"
#include "peerlab/explore/rng_purposes.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::explore {
namespace {

// Nodes choosing their own peers need room for 2 full-relay and 2 block-relay-only outbound.
constexpr std::uint32_t kMinOutboundChoiceNodes = 16;

// The most full-relay outbound connections a generated case gives its nodes: with Core's two
// block-relay-only ones, at most a quarter of the nodes (at least 2): the initial topology is
// built greedily, and denser ones could leave the last nodes without free peers.
std::uint32_t MaxOutbound(std::uint32_t nodes) { return std::max<std::uint32_t>(2, nodes / 4 - 2); }

}  // namespace

std::string BitcoinCase::ToYaml(const std::string& name) const {
  std::string y = "# Drawn by `peerlab explore bitcoin` (docs/testing.md); `peerlab run` reproduces it.\n";
  y += "version: 1\nname: " + name + "\nseed: " + std::to_string(seed) + "\n";
  y += "stop: {blocks: " + std::to_string(blocks) + ", drain: " + Ms(Drain()) + "}\n";
  y += "network:\n  nodes: " + std::to_string(nodes) + "\n  regions: bitcoin\n";
  y += random_regular ? "  topology: {kind: random-regular, degree: " + std::to_string(outbound) + "}\n"
                      : "  topology: {kind: bitcoin, outbound: " + std::to_string(outbound) + "}\n";
  y += disruptions.FaultsYaml();
  y += "protocol: {kind: bitcoin, block_interval: " + Ms(block_interval) +
       ", block_size: " + std::to_string(block_kb) + " kB, relay: " + relay + "}\n";
  if (tx_rate > 0) y += "transactions: {rate: " + Share(tx_rate) + "}\n";
  y += "groups:\n  pools: {nodes: " + std::to_string(pools) +
       ", hashrate: " + Share(1 - attack_hashrate) + "}\n";
  if (!attack.empty()) {
    y += "  attacker: {nodes: 1, hashrate: " + Share(attack_hashrate) + ", strategy: {kind: " +
         attack + "}}\n";
  }
  y += "  relays: {nodes: rest, hashrate: 0}\n";
  y += disruptions.EventsYaml();
  if (churn_share > 0) {
    y += "churn: {share: " + Share(churn_share) + ", session: {kind: exponential, mean: " +
         Ms(churn_session) + "}, downtime: {kind: exponential, mean: " + Ms(churn_downtime) +
         "}}\n";
  }
  y += "outputs: [summary, blocks]\n";
  return y;
}

BitcoinCase DrawBitcoinCase(std::uint64_t seed, std::uint64_t index) {
  Rng rng(seed, index, rng_purpose::kBitcoinCases);
  BitcoinCase c;
  c.seed = 1 + rng.Below(1'000'000);
  c.nodes = static_cast<std::uint32_t>(8 + rng.Below(73));  // 8 to 80
  c.random_regular = rng.Uniform() < 0.2;
  if (c.random_regular) {
    c.outbound = static_cast<std::uint32_t>(3 + rng.Below(4));  // degree 3 to 6
    if (c.nodes % 2 == 1 && c.outbound % 2 == 1) ++c.nodes;     // nodes x degree even
  } else {
    c.nodes = std::max<std::uint32_t>(c.nodes, kMinOutboundChoiceNodes);
    c.outbound = static_cast<std::uint32_t>(2 + rng.Below(std::min<std::uint32_t>(7, MaxOutbound(c.nodes) - 1)));
  }
  c.block_interval = Between(rng, 30 * kSecond, 600 * kSecond);
  c.block_kb = static_cast<std::uint32_t>(10 + rng.Below(991));
  static constexpr const char* kRelays[] = {"headers", "legacy", "compact"};
  c.relay = kRelays[rng.Below(3)];
  c.blocks = static_cast<std::uint32_t>(4 + rng.Below(13));  // 4 to 16
  if (rng.Uniform() < 0.25) c.tx_rate = 0.2 + rng.Uniform() * 2;
  if (rng.Uniform() < 0.3) {
    static constexpr const char* kAttacks[] = {"selfish-mining", "lead-stubborn",
                                               "trail-stubborn", "double-spend", "black-hole"};
    c.attack = kAttacks[rng.Below(5)];
    // Whole percent: the groups' shares, as written, sum to exactly 1.
    c.attack_hashrate = static_cast<double>(5 + rng.Below(41)) / 100;
  }
  c.pools = static_cast<std::uint32_t>(1 + rng.Below(std::min<std::uint32_t>(8, c.nodes / 2)));
  // What happens before the expected end: faults end by 60 % of it, so blocks follow them.
  const auto expected = static_cast<DurationNs>(c.blocks) * c.block_interval;
  const DurationNs faults_by = expected * 6 / 10;
  c.disruptions = DrawCaseFaults(rng, c.nodes,
                                 {.by = faults_by,
                                  .min_partition = 10 * kSecond,
                                  .partition_delay_min = kSecond,
                                  .partition_delay_max = 60 * kSecond,
                                  .fault_delay_max = 2 * kSecond});
  if (!c.random_regular && rng.Uniform() < 0.2) {
    c.churn_share = 0.1 + rng.Uniform() * 0.4;
    c.churn_session = Between(rng, 10 * kMinute, 2 * kHour);
    c.churn_downtime = Between(rng, kMinute, 20 * kMinute);
  }
  return c;
}

std::vector<BitcoinCase> ShrinkSteps(const BitcoinCase& c) {
  std::vector<BitcoinCase> out;
  // Fewer nodes: half, then three quarters, then one less (node lists clipped).
  for (const std::uint32_t n : {c.nodes / 2, c.nodes * 3 / 4, c.nodes - 1}) {
    if (n < (c.random_regular ? 8 : kMinOutboundChoiceNodes) || n >= c.nodes) continue;
    BitcoinCase s = c;
    s.nodes = n;
    if (s.random_regular && s.nodes % 2 == 1 && s.outbound % 2 == 1) continue;
    if (!s.random_regular) s.outbound = std::min(s.outbound, MaxOutbound(s.nodes));
    s.pools = std::min(s.pools, s.nodes / 2);
    if (s.disruptions.ClipTo(n)) out.push_back(std::move(s));
  }
  if (c.blocks > 2) {
    BitcoinCase s = c;
    s.blocks = std::max<std::uint32_t>(2, c.blocks / 2);
    out.push_back(s);
    s.blocks = c.blocks - 1;
    out.push_back(std::move(s));
  }
  for (CaseFaults& fewer : c.disruptions.WithoutOne()) {
    BitcoinCase s = c;
    s.disruptions = std::move(fewer);
    out.push_back(std::move(s));
  }
  if (c.churn_share > 0) {
    BitcoinCase s = c;
    s.churn_share = 0;
    out.push_back(std::move(s));
  }
  if (!c.attack.empty()) {
    BitcoinCase s = c;
    s.attack.clear();
    s.attack_hashrate = 0;
    out.push_back(std::move(s));
  }
  if (c.tx_rate > 0) {
    BitcoinCase s = c;
    s.tx_rate = 0;
    out.push_back(std::move(s));
  }
  if (c.pools > 1) {
    BitcoinCase s = c;
    s.pools = c.pools / 2;
    out.push_back(std::move(s));
  }
  return out;
}

std::uint64_t CaseSize(const BitcoinCase& c) {
  return std::uint64_t{c.nodes} * 1000 + c.blocks * 10 + c.disruptions.partitions.size() +
         c.disruptions.faults.size() +
         (c.churn_share > 0) + !c.attack.empty() + (c.tx_rate > 0) + c.pools;
}

}  // namespace peerlab::explore
