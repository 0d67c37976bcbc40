// The `protocol.peers` tables: address gossip, the address manager and connection upkeep.
#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"

namespace peerlab::scenario::detail {
namespace {

// 0 (off) or a timer interval in [kMinTimerInterval, kMaxSpan].
bool ReadOptionalInterval(const Node& n, const std::string& p, Ctx& c, DurationNs* out,
                          Json& j) {
  DurationNs v = 0;
  if (!ReadDuration(n, p, c, &v)) return false;
  if (v < 0 || (v > 0 && v < kMinTimerInterval)) {
    return c.Fail(n.origin, p, "must be 0 (off) or at least 1 s, got " + Quote(n.scalar));
  }
  *out = v;
  j = FormatDuration(v);
  return true;
}

}  // namespace

const Table& CountermeasuresTable() {
  static const Table t{
      "protocol.peers.countermeasures",
      "Bitcoin Core's defences against eclipse attacks (Heilman et al. 2015), each a switch so "
      "that its worth can be measured; all `true` is what Core does today. See "
      "docs/attacks.md.",
      {
          {"anchors", "bool", false, "true", "",
           "Core 0.21: after a restart, first reconnect to the (up to 2) block-relay-only peers "
           "the node had when it went down (anchors.dat).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadBool(n, p, c, &c.out->sim.node.countermeasures.anchors, j);
           }},
          {"feelers", "bool", false, "true", "",
           "Core 0.13.1: feeler connections; `false`: none, whatever `feeler_interval` says.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadBool(n, p, c, &c.out->sim.node.countermeasures.feelers, j);
           }},
          {"test_before_evict", "bool", false, "true", "",
           "Core 0.17: an address whose tried-table slot is taken waits until a feeler has "
           "tested the occupant, which keeps the slot if it answered in the last 4 hours. "
           "`false`: the occupant goes back to the new table at once (it is dropped if its new "
           "slot is taken by a healthy entry).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadBool(n, p, c, &c.out->sim.node.addrman.test_before_evict, j);
           }},
          {"bucket_limits", "bool", false, "true", "",
           "Addresses from one source group reach 1/16 of the new buckets, addresses of one "
           "group 1/32 of the tried buckets (Core: 64 of 1024, 8 of 256). `false`: any bucket.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadBool(n, p, c, &c.out->sim.node.addrman.bucket_limits, j);
           }},
          {"tried_outbound_only", "bool", false, "true", "",
           "Core 0.13.1: only addresses the node connected to enter its tried table. `false`: "
           "a peer connecting in goes to tried at once (Core before 0.13.1; the main way in of "
           "Heilman et al.'s attacker).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadBool(n, p, c, &c.out->sim.node.countermeasures.tried_outbound_only, j);
           }},
      }};
  return t;
}

const Table& AddrManTable() {
  static const Table t{
      "protocol.peers.addrman",
      "Dimensions of each node's address manager (Bitcoin Core: new 1024 x 64, tried 256 x "
      "64). The defaults are scaled down so that a full manager stays within a few KB per node; "
      "the share of buckets one network group can reach keeps Core's ratio.",
      {
          {"new_buckets", "integer in [1, 1024]", false, "64", "",
           "Buckets of the table of addresses heard of but never connected to.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadUInt32(n, p, c, 1, 1024, &c.out->sim.node.addrman.new_buckets, j);
           }},
          {"tried_buckets", "integer in [1, 256]", false, "16", "",
           "Buckets of the table of addresses we once completed a handshake with.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadUInt32(n, p, c, 1, 256, &c.out->sim.node.addrman.tried_buckets, j);
           }},
          {"bucket_size", "integer in [1, 64]", false, "8", "", "Slots per bucket.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadUInt32(n, p, c, 1, 64, &c.out->sim.node.addrman.bucket_size, j);
           }},
      }};
  return t;
}

const Table& PeersTable() {
  static const Table t{
      "protocol.peers",
      "Peer management after Bitcoin Core: address gossip, the address manager, feelers and "
      "pings. Only `network.topology.kind: bitcoin` lets nodes choose (and replace) their "
      "outbound peers; fixed topologies still gossip addresses if asked to.",
      {
          {"addr_gossip", "one of `full`, `getaddr`, `off`", false, "full", "",
           "`full`: getaddr on each new outbound connection, self-announcement to outbound peers "
           "and relay of fresh addresses (seen in the last 10 min) to 2 peers, as Core does; "
           "`getaddr`: only getaddr and its answers (far fewer messages at 10,000+ nodes); "
           "`off`: no address messages, nodes know only their seed addresses and peers.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string v;
             if (!ReadChoice(n, p, c, {"full", "getaddr", "off"}, &v)) return false;
             c.out->sim.node.addr_gossip = v == "full"      ? bitcoin::AddrGossip::kFull
                                           : v == "getaddr" ? bitcoin::AddrGossip::kGetAddr
                                                            : bitcoin::AddrGossip::kOff;
             j = v;
             return true;
           }},
          {"feeler_interval", "0, or duration in [1 s, 365 d]", false, "2 min", "",
           "Mean time between feeler connections, which test an address of the new table and "
           "close (Core's FEELER_INTERVAL); 0 = no feelers. At least 1 s, like every periodic "
           "timer: shorter ones only stall simulated time.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadOptionalInterval(n, p, c, &c.out->sim.node.feeler_interval, j);
           }},
          {"ping_interval", "0, or duration in [1 s, 365 d]", false, "0 s", "",
           "Time between pings to every peer (Core: 2 min). Off by default because it costs two "
           "messages per connection per interval; inbound eviction then has no ping times to "
           "protect fast peers by.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadOptionalInterval(n, p, c, &c.out->sim.node.ping_interval, j);
           }},
          {"addrman", "mapping", false, "{}", "", "Address manager dimensions (see `protocol.peers.addrman`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, AddrManTable(), c, j);
           }},
          {"countermeasures", "mapping", false, "{}", "",
           "Eclipse countermeasures, all on by default (see `protocol.peers.countermeasures`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, CountermeasuresTable(), c, j);
           }},
      }};
  return t;
}

}  // namespace peerlab::scenario::detail
