// The `protocol.tendermint` table (protocol.kind: tendermint): CometBFT's consensus, p2p and
// mempool settings the Tendermint family models (docs/tendermint.md). Defaults are CometBFT's
// (config/config.go, DefaultConsensusConfig / DefaultP2PConfig / DefaultMempoolConfig; the block
// size is the consensus parameter's default).
#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"

namespace peerlab::scenario::detail {
namespace {

// A duration field of the Tendermint spec: at least `lo`, at most 1 h.
bool ReadTmDuration(const Node& n, const std::string& p, Ctx& c, DurationNs lo, DurationNs* out,
                    Json& j) {
  DurationNs v = 0;
  if (!ReadDuration(n, p, c, &v)) return false;
  if (v < lo || v > kHour) {
    return c.Fail(n.origin, p, "must be between " + FormatDuration(lo) + " and 1 h, got " +
                                   Quote(n.scalar));
  }
  *out = v;
  j = FormatDuration(v);
  return true;
}

#define TM_DURATION(NAME, LO, LO_TEXT, MEMBER, DEFAULT, DOC)                                  \
  {NAME, "duration in [" LO_TEXT ", 1 h]", false, DEFAULT, "", DOC,                           \
   [](const Node& n, const std::string& p, Ctx& c, Json& j) {                          \
     return ReadTmDuration(n, p, c, LO, &c.out->tendermint.MEMBER, j);                        \
   }}

}  // namespace

const Table& TendermintTimeoutsTable() {
  static const Table t{
      "protocol.tendermint.timeouts",
      "Consensus timeouts; a round r waits `X + r x X_delta` (CometBFT's timeout_* settings).",
      {
          TM_DURATION("propose", kMillisecond, "1 ms", node.consensus.timeout_propose, "3 s",
                      "Wait for the round's proposal and its block."),
          TM_DURATION("propose_delta", 0, "0 s", node.consensus.timeout_propose_delta, "500 ms",
                      "Added to `propose` per round."),
          TM_DURATION("prevote", kMillisecond, "1 ms", node.consensus.timeout_prevote, "1 s",
                      "Wait for more prevotes after +2/3 for anything."),
          TM_DURATION("prevote_delta", 0, "0 s", node.consensus.timeout_prevote_delta, "500 ms",
                      "Added to `prevote` per round."),
          TM_DURATION("precommit", kMillisecond, "1 ms", node.consensus.timeout_precommit, "1 s",
                      "Wait for more precommits after +2/3 for anything."),
          TM_DURATION("precommit_delta", 0, "0 s", node.consensus.timeout_precommit_delta, "500 ms",
                      "Added to `precommit` per round."),
          TM_DURATION("commit", 0, "0 s", node.consensus.timeout_commit, "1 s",
                      "Wait after a commit before the next height's round 0 (gathers late "
                      "precommits)."),
      }};
  return t;
}

const Table& TendermintTable() {
  static const Table t{
      "protocol.tendermint",
      "Tendermint (CometBFT) settings, for `protocol.kind: tendermint`. Validators are the "
      "nodes of groups with `voting_power`; the other nodes are full nodes that follow and "
      "relay.",
      {
          {"timeouts", "mapping", false, "{}", "", "Consensus timeouts (see "
           "`protocol.tendermint.timeouts`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, TendermintTimeoutsTable(), c, j);
           }},
          {"max_block_bytes", "size in [1 KiB, 100 MiB]", false, "21 MiB", "",
           "A proposal holds mempool transactions up to this encoded size (CometBFT's "
           "block.max_bytes default, 22,020,096 bytes).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::uint64_t v = 0;
             if (!ReadSize(n, p, c, &v)) return false;
             if (v < 1024 || v > 100 * 1048576ULL) {
               return c.Fail(n.origin, p, "must be between 1 KiB and 100 MiB, got " +
                                              Quote(n.scalar));
             }
             c.out->tendermint.node.max_block_bytes = static_cast<std::uint32_t>(v);
             j = FormatSize(v);
             return true;
           }},
          TM_DURATION("gossip_sleep", kMicrosecond, "1 us", node.peer_gossip_sleep, "100 ms",
                      "How long a peer's gossip routine sleeps when it found nothing to send "
                      "(peer_gossip_sleep_duration)."),
          TM_DURATION("query_maj23_sleep", kMillisecond, "1 ms", node.peer_query_maj23_sleep, "2 s",
                      "Interval of VoteSetMaj23 queries per peer "
                      "(peer_query_maj23_sleep_duration)."),
          TM_DURATION("flush_throttle", 0, "0 s", flush_throttle, "100 ms",
                      "A connection's write buffer is flushed this long after the first write "
                      "(p2p flush_throttle_timeout), or at once when 64 KiB fill it."),
          TM_DURATION("sign_time", 0, "0 s", node.sign_time, "37 us",
                      "Modelled CPU time per signature made. Default: OpenSSL 3.0's Ed25519 on "
                      "the 2-core reference machine, median of 21 batches of 2,000 160-byte "
                      "messages (`bench/ed25519_cost`, 2026-12-06: 36.7 us)."),
          TM_DURATION("verify_time", 0, "0 s", node.verify_time, "97 us",
                      "Modelled CPU time per signature checked; messages are checked one at "
                      "a time. Default measured as `sign_time` (97.3 us)."),
          {"mempool_size", "integer in [1, 1000000]", false, "5000", "",
           "Transactions a node's mempool holds at most (mempool.size).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 1, 1'000'000, &v)) return false;
             c.out->tendermint.node.mempool_max_txs = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
      }};
  return t;
}

#undef TM_DURATION

}  // namespace peerlab::scenario::detail
