// The runner's strategy registry: one row per strategy, by the scenario name families/bitcoin's
// registry uses, with every `kind` value it answers to. Adding a strategy adds a row here
// (docs/attacks.md, "Adding an attack").
#include <array>

#include "adversaries.hpp"
#include "peerlab/results/summary.hpp"

namespace peerlab::runner::adversaries {
namespace {

struct Entry {
  std::string_view name;
  std::string_view kinds;  // `a|b|c`, the name first
  Writer write;
};

constexpr std::array kRegistry = {
    Entry{"selfish-mining", "selfish-mining|lead-stubborn|equal-fork-stubborn|trail-stubborn",
          &WriteSelfishMining},
    Entry{"double-spend", "double-spend", &WriteDoubleSpend},
    Entry{"censor", "censor", &WriteCensor},
    Entry{"black-hole", "black-hole", &WriteBlackHole},
    Entry{"eclipse", "eclipse", &WriteEclipse},
    // The selfish-mining keys: it withholds, races and overrides the same way.
    Entry{"optimal-selfish", "optimal-selfish", &WriteSelfishMining},
};

bool Answers(std::string_view kinds, std::string_view kind) {
  while (true) {
    const std::size_t bar = kinds.find('|');
    if (kinds.substr(0, bar) == kind) return true;
    if (bar == std::string_view::npos) return false;
    kinds.remove_prefix(bar + 1);
  }
}

}  // namespace

Writer FindWriter(std::string_view kind) {
  for (const Entry& e : kRegistry) {
    if (Answers(e.kinds, kind)) return e.write;
  }
  return nullptr;
}

void WriteMinerKeys(results::JsonWriter& w, const sim::GroupReport& g) {
  const sim::AdversaryReport& a = *g.adversary;
  w.Key("hashrate").Double(g.hashrate);
  w.Key("revenue_share").Double(g.revenue_share);
  w.Key("blocks_orphaned").UInt(a.blocks_orphaned);
  w.Key("own_blocks_orphaned").UInt(a.own_blocks_orphaned);
}

void WriteWithholdingKeys(results::JsonWriter& w, const sim::AdversaryReport& a) {
  w.Key("blocks_withheld").UInt(a.blocks_withheld);
  w.Key("rushing_links").UInt(a.rushing_links);
  w.Key("rushing_honest_share").Double(a.rushing_honest_share);
}

}  // namespace peerlab::runner::adversaries
