// `adversaries.<group>` of a black-hole group (it does not mine: no share keys).
#include "adversaries.hpp"

namespace peerlab::runner::adversaries {

void WriteBlackHole(results::JsonWriter& w, const sim::GroupReport& g) {
  const sim::AdversaryReport& a = *g.adversary;
  w.Key("blocks_not_relayed").UInt(a.blocks_not_relayed);
  w.Key("blocks_delayed").UInt(a.blocks_delayed);
  w.Key("txs_not_relayed").UInt(a.txs_not_relayed);
}

}  // namespace peerlab::runner::adversaries
