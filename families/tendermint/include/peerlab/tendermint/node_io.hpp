// What a Tendermint node takes in and gives out (the sans-IO contract of node.hpp).
//
// A driver (the engine's Tendermint driver, ns-3, a socket daemon) feeds the node `Input`s and
// carries out its `Outbox`: sends on a peer's connection, timers, and observations it records.
// Messages are immutable `Envelope`s shared by every send of them, each with its real encoded
// size (wire.hpp) so a driver never encodes to learn a length.
#pragma once

#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "peerlab/tendermint/block_registry.hpp"
#include "peerlab/tendermint/consensus.hpp"
#include "peerlab/tendermint/messages.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::tendermint {

using PeerSlot = std::uint32_t;  // the driver's name for one of the node's connections

// CometBFT's channel ids (consensus reactor 0x20-0x23, mempool 0x30, evidence 0x38): a
// connection's MConnection multiplexes them, each message travels on one.
enum class Channel : std::uint8_t {
  kState = 0x20,
  kData = 0x21,
  kVote = 0x22,
  kVoteSetBits = 0x23,
  kMempool = 0x30,
  kEvidence = 0x38,
};

struct Envelope {
  Channel channel = Channel::kState;
  std::variant<ConsensusMessage, MempoolTxs, EvidenceList> body;
  std::uint32_t wire_bytes = 0;  // the body's encoded size
  // Simulation bookkeeping, not on the wire: the transactions a MempoolTxs carries, and the
  // validator whose signature a proposal carries.
  std::vector<TxId> tx_ids;
  ValidatorIndex signer = -1;
};
using EnvelopePtr = std::shared_ptr<const Envelope>;

// Builds an envelope and sets its wire size from the real encoding.
EnvelopePtr MakeConsensusEnvelope(Channel channel, ConsensusMessage message,
                                  ValidatorIndex signer = -1);
EnvelopePtr MakeMempoolEnvelope(MempoolTxs txs, std::vector<TxId> ids);
EnvelopePtr MakeEvidenceEnvelope(EvidenceList list);

// A timer the node set; handed back as it was when it fires.
struct NodeTimer {
  enum class Kind : std::uint8_t {
    kConsensus,    // a consensus timeout: height, round, step
    kGossipData,   // the data routine of `slot` wakes up
    kGossipVotes,  // the vote routine of `slot` wakes up
    kQueryMaj23,   // the VoteSetMaj23 query of `slot`
    kCpu,          // the consensus CPU finished its current message
  };
  Kind kind = Kind::kConsensus;
  PeerSlot slot = 0;
  Height height = 0;
  Round round = 0;
  TimeoutStep step = TimeoutStep::kPropose;
  std::uint32_t generation = 0;  // stale timers (a closed connection's) are ignored
};

namespace node_in {
struct Start {};  // begin height 1
struct PeerUp {
  PeerSlot slot;
};
struct PeerDown {
  PeerSlot slot;
};
struct Receive {
  PeerSlot slot;
  EnvelopePtr envelope;
};
struct TimerFired {
  NodeTimer timer;
};
struct SubmitTx {  // a user hands the node a transaction
  TxId id;
  std::uint32_t bytes;
};
// The node's process restarted after a crash or downtime: every connection is gone (PeerUp
// follows for new ones), its timers died, and what CometBFT keeps in memory only is lost
// (the mempool, messages waiting for the CPU); the chain, the consensus state (its WAL) and
// the evidence pool (a database) survive.
struct Restart {};
}  // namespace node_in
using NodeInput = std::variant<node_in::Start, node_in::PeerUp, node_in::PeerDown,
                               node_in::Receive, node_in::TimerFired, node_in::SubmitTx,
                               node_in::Restart>;

// What the driver records for the run's results.
namespace observe {
struct Committed {
  Height height;
  Round round;
  BlockId block_id;
  std::uint32_t txs;
  std::uint32_t evidence;
};
struct Proposed {
  Height height;
  Round round;
  BlockId block_id;
  std::uint32_t bytes;
};
struct TimeoutFired {
  Height height;
  Round round;
  TimeoutStep step;
};
struct EquivocationSeen {  // this node detected a double sign
  Height height;
  ValidatorIndex validator;
};
struct RoundEntered {
  Height height;
  Round round;
};
}  // namespace observe
using Observation = std::variant<observe::Committed, observe::Proposed, observe::TimeoutFired,
                                 observe::EquivocationSeen, observe::RoundEntered>;

struct Outbox {
  struct Send {
    PeerSlot slot;
    EnvelopePtr envelope;
  };
  struct Timer {
    TimeNs at;
    NodeTimer timer;
  };
  std::vector<Send> sends;
  std::vector<Timer> timers;
  std::vector<Observation> observations;
  void Clear() {
    sends.clear();
    timers.clear();
    observations.clear();
  }
};

}  // namespace peerlab::tendermint
