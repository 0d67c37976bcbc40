// `adversaries.<group>` of a double-spending group.
#include "adversaries.hpp"

namespace peerlab::runner::adversaries {

void WriteDoubleSpend(results::JsonWriter& w, const sim::GroupReport& g) {
  const sim::AdversaryReport& a = *g.adversary;
  WriteMinerKeys(w, g);
  WriteWithholdingKeys(w, a);
  w.Key("attempts").UInt(a.attempts);
  w.Key("published").UInt(a.published);
  w.Key("successes").UInt(a.successes);
  w.Key("success_rate").Double(a.success_rate);
}

}  // namespace peerlab::runner::adversaries
