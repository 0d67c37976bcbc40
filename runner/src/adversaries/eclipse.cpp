// `adversaries.<group>` of an eclipse attacker (it does not mine: no share keys).
#include "adversaries.hpp"

namespace peerlab::runner::adversaries {

void WriteEclipse(results::JsonWriter& w, const sim::GroupReport& g) {
  const sim::AdversaryReport& a = *g.adversary;
  w.Key("victim").UInt(a.victim);
  w.Key("restart_at_s").Double(a.restart_at_s);
  w.Key("eclipsed").Bool(a.eclipsed_at_s.has_value());
  w.Key("eclipsed_at_s").Double(a.eclipsed_at_s);
  w.Key("victim_outbound").UInt(a.victim_outbound);
  w.Key("victim_outbound_attacker_share").Double(a.victim_outbound_attacker_share);
  w.Key("addrman_attacker_share_new").Double(a.addrman_attacker_share_new);
  w.Key("addrman_attacker_share_tried").Double(a.addrman_attacker_share_tried);
  w.Key("addrman_trash_share_new").Double(a.addrman_trash_share_new);
  w.Key("attacker_connections").UInt(a.attacker_connections);
  w.Key("victim_connections_to_attacker").UInt(a.victim_connections_to_attacker);
  w.Key("flood_messages").UInt(a.flood_messages);
}

}  // namespace peerlab::runner::adversaries
