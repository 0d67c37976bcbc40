// One generated Bitcoin-family scenario of `peerlab explore` (docs/testing.md, "Exploration"):
// the structured form the generator draws and the shrinker cuts down, rendered to the YAML
// that `peerlab run` reproduces.
//
// Contract: Draw is a pure function of (seed, index): the same campaign draws the same cases
// on every machine. Every case it draws is a valid scenario (a test parses thousands), and
// ShrinkSteps only yields valid cases smaller than the one given.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "peerlab/explore/case_faults.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::explore {

struct BitcoinCase {
  std::uint64_t seed = 1;  // the scenario's seed
  std::uint32_t nodes = 20;
  std::uint32_t pools = 4;  // honest mining nodes (one group), hashrate 1 - attacker's
  bool random_regular = false;
  std::uint32_t outbound = 4;  // topology bitcoin: outbound; random-regular: degree
  DurationNs block_interval = 120 * kSecond;
  std::uint32_t block_kb = 100;
  std::string relay = "compact";
  std::uint32_t blocks = 8;
  double tx_rate = 0;  // transactions per second (0: none)
  // An attacking group of one node (empty kind: none).
  std::string attack;  // selfish-mining, lead-stubborn, trail-stubborn, double-spend, censor
  double attack_hashrate = 0;
  CaseFaults disruptions;  // partitions and message faults
  double churn_share = 0;  // of the nodes without hashrate; 0: no churn
  DurationNs churn_session = 0, churn_downtime = 0;

  // When the last partition heals and the last fault ends (0 if none).
  DurationNs faults_end() const { return disruptions.end(); }
  // How long the run goes on after the last block (`stop.drain`): long enough for a block
  // download stalled by a lost message to time out (one block interval plus half of one per
  // other peer downloading, for up to 8 of them) and be asked of another peer.
  DurationNs Drain() const { return block_interval * 9 / 2 + 2 * kMinute; }
  std::string ToYaml(const std::string& name) const;
};

// The case of run `index` of a campaign with seed `seed`.
BitcoinCase DrawBitcoinCase(std::uint64_t seed, std::uint64_t index);

// Smaller variants of `c`, most promising first (fewer nodes, then fewer blocks, partitions,
// faults, churn, attack, transactions): the shrinker keeps the first that still fails.
std::vector<BitcoinCase> ShrinkSteps(const BitcoinCase& c);

// A size to minimise, for reports: nodes first, then everything else that makes a run longer.
std::uint64_t CaseSize(const BitcoinCase& c);

}  // namespace peerlab::explore
