// Strategies: how a node deviates from the honest protocol (design §3: "strategic behaviour is
// a policy plugged into the same Node"). A node without a strategy is honest.
//
// Every strategy acts only on what its own node knows: headers and blocks that reached it
// through the network, its own mined blocks, its mempool. That is what makes an attack's
// outcome depend on latency and topology (for example, selfish mining's tie advantage gamma
// is whatever share of honest miners hears the attacker's block first).
//
// A strategy group should be a single node (a pool): nodes of one group do not coordinate,
// each runs its own copy of the strategy.
//
// This header holds what drivers and scenarios see (the kinds, their configuration and
// counters); the node's hook interface is strategy_hooks.hpp and each strategy's code is one
// file of families/bitcoin/src/strategies/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "peerlab/bitcoin/address.hpp"
#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::bitcoin {

enum class StrategyKind : std::uint8_t {
  kHonest,
  // Eyal & Sirer 2014 ("Majority is not enough"), with Nayak et al. 2016's stubborn switches.
  kSelfishMining,
  // Pays a merchant, mines a conflicting private chain from before the payment, publishes it
  // once the merchant has `confirmations` and it is longer; gives up `max_deficit` behind.
  kDoubleSpend,
  // Refuses transactions of one class (Miller's feather-forking as an option).
  kCensor,
  // Does not relay (or delays) blocks or transactions it receives.
  kBlackHole,
  // Heilman et al. 2015: connects to one victim from many addresses and floods it with them
  // (and with trash addresses) until the victim, after a restart, only connects out to it.
  // The engine owns the addresses, the connections and the restart; the node sends the
  // floods and otherwise behaves as an honest peer (it relays blocks and transactions).
  kEclipse,
  // Sapirshtein, Sompolinsky & Zohar 2016 ("Optimal Selfish Mining Strategies in Bitcoin"):
  // plays a fixed policy of their MDP, a table from state (a, h, fork) to action that the
  // scenario layer computes (the family solves nothing). See OptimalSelfishPolicy.
  kOptimalSelfish,
};

// The actions and fork labels of the optimal-selfish policy table, in the order (and with the
// meaning) of analysis/optimal_selfish.hpp's SelfishAction and SelfishFork; docs/theory.md.
enum class SelfishMove : std::uint8_t { kAdopt, kOverride, kMatch, kWait };
enum class SelfishForkState : std::uint8_t { kIrrelevant, kRelevant, kActive };

// A policy of the optimal-selfish MDP: moves[(a * (max_fork_length + 1) + h) * 3 + fork] for
// a, h in [0, max_fork_length]. Empty: no policy (the strategy then mines honestly).
struct OptimalSelfishPolicy {
  std::uint32_t max_fork_length = 0;
  std::vector<SelfishMove> moves;

  bool empty() const { return moves.empty(); }
  SelfishMove At(std::uint32_t a, std::uint32_t h, SelfishForkState fork) const {
    return moves[(static_cast<std::size_t>(a) * (max_fork_length + 1) + h) * 3 +
                 static_cast<std::size_t>(fork)];
  }
};

enum class CensorMode : std::uint8_t {
  kExclude,      // leave the class out of own blocks
  kFeatherFork,  // also refuse to build on a block carrying it until `feather_depth` deep
};

enum class RelayAction : std::uint8_t { kRelay, kDrop, kDelay };

struct StrategyConfig {
  StrategyKind kind = StrategyKind::kHonest;
  // Selfish mining (Nayak et al. 2016): lead-stubborn reveals one block per honest block instead
  // of overriding; equal-fork-stubborn keeps a block found during a tie private; trail-stubborn
  // keeps mining a private branch up to `trail_stubborn` blocks behind before adopting.
  bool lead_stubborn = false;
  bool equal_fork_stubborn = false;
  std::uint32_t trail_stubborn = 0;
  // Optimal selfish mining: the policy to play (filled when the scenario is built).
  OptimalSelfishPolicy optimal_policy;
  // Double spend.
  std::uint32_t confirmations = 6;
  std::uint32_t max_deficit = 6;
  bool premine = false;  // mine one private block before paying (Rosenfeld 2014's assumption)
  // Censor.
  std::uint16_t censored_class = 0;
  CensorMode censor_mode = CensorMode::kExclude;
  std::uint32_t feather_depth = 1;  // blocks that must be built on an offending block
  // Black hole.
  RelayAction blocks = RelayAction::kRelay;
  RelayAction txs = RelayAction::kRelay;
  DurationNs block_delay = 0;
  // Eclipse (see kEclipse; defaults as in the scenario schema).
  std::uint32_t victim = 0;                      // node index
  NetAddress victim_address = kNoAddress;        // set by the engine
  std::uint32_t attack_addresses = 4096;         // attacker addresses that reach its node
  std::uint32_t attack_address_groups = 32;      // /16 groups they are spread over
  std::uint32_t trash_addresses = 4096;          // addresses nobody listens at
  DurationNs attack_connect_interval = 10 * kSecond;  // a new inbound connection to the victim
  std::uint32_t attack_connections = 32;         // open at once; the oldest closes for a new one
  DurationNs flood_interval = kMinute;           // an addr of 1000 entries per connection
  DurationNs restart_at = 2 * kHour;             // the victim goes down then...
  DurationNs restart_downtime = kMinute;         // ... and comes back this much later
};

// What a strategy did, counted by its node; drivers sum them per group.
struct StrategyStats {
  std::uint32_t blocks_withheld = 0;   // own blocks kept private when mined
  std::uint32_t races = 0;             // own blocks published to match an honest one
  std::uint32_t overrides = 0;         // private branches published to take over the chain
  std::uint32_t attempts = 0;          // double spends started (payments made)
  std::uint32_t attempts_published = 0;  // ... whose private chain was published
  std::uint32_t attempts_abandoned = 0;  // ... given up
  std::uint32_t fork_blocks = 0;       // censor: own blocks mined off the tip
  std::uint64_t blocks_not_relayed = 0;  // black hole: tips it never announced
  std::uint64_t blocks_delayed = 0;
  std::uint64_t txs_not_relayed = 0;
  std::uint64_t flood_messages = 0;    // eclipse: addr messages sent to the victim
};

}  // namespace peerlab::bitcoin
