// `adversaries.<group>` of a censoring group.
#include "adversaries.hpp"

namespace peerlab::runner::adversaries {

void WriteCensor(results::JsonWriter& w, const sim::GroupReport& g) {
  const sim::AdversaryReport& a = *g.adversary;
  WriteMinerKeys(w, g);
  w.Key("censored_txs").UInt(a.censored_txs);
  w.Key("censored_tx_delay_blocks");
  WriteDistribution(w, a.censored_tx_delay_blocks);
  w.Key("censored_tx_delay_s");
  WriteDistribution(w, a.censored_tx_delay_s);
  w.Key("never_included_share").Double(a.never_included_share);
  w.Key("fork_blocks").UInt(a.fork_blocks);
}

}  // namespace peerlab::runner::adversaries
