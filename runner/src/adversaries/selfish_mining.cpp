// `adversaries.<group>` of a selfish-mining group (and its stubborn variants).
#include "adversaries.hpp"

namespace peerlab::runner::adversaries {

void WriteSelfishMining(results::JsonWriter& w, const sim::GroupReport& g) {
  const sim::AdversaryReport& a = *g.adversary;
  WriteMinerKeys(w, g);
  WriteWithholdingKeys(w, a);
  w.Key("observed_gamma").Double(a.observed_gamma);
  w.Key("races").UInt(a.races);
  w.Key("race_blocks_on_attacker").UInt(a.race_blocks_on_attacker);
  w.Key("race_blocks_on_rival").UInt(a.race_blocks_on_rival);
  w.Key("overrides").UInt(a.overrides);
}

}  // namespace peerlab::runner::adversaries
