// Node: one Bitcoin-like peer as a sans-IO state machine.
//
// The driver (fast engine, ns-3, real sockets) feeds it inputs through Handle(now, input,
// outbox); the node appends what it wants done (messages to send, timers to arm,
// observations) to the outbox and never reads a clock, a socket or a global RNG, never throws.
// It keeps a status byte per block of the shared BlockStore and a small state per peer.
//
// Behaviour follows Bitcoin Core's headers-first relay: a new tip is announced with `headers`
// to peers that sent `sendheaders` (else with `inv` of the tip); unknown announcements are
// resolved with `getheaders` (or, in legacy relay, fetched at once with `getdata`); blocks are fetched with `getdata` from a peer whose best known
// chain has more work than our tip (so a competing block of equal work is not fetched: the
// first-seen block wins ties); a received block is validated (a modelled CPU delay) and
// connected; the tip is the chain of most work whose blocks are all validated.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "peerlab/protocol/block_store.hpp"
#include "peerlab/protocol/message.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::protocol {

using PeerId = std::uint32_t;  // the driver's local index for one of this node's connections

enum class RelayMode : std::uint8_t {
  kHeaders,  // BIP130 sendheaders: headers -> getdata -> block; unknown invs resolved headers-first
  kLegacy,   // pre-headers-first (Core < 0.10, SimBlock): inv -> getdata -> block
};

struct NodeConfig {
  RelayMode relay = RelayMode::kHeaders;
  DurationNs validation_fixed = 0;    // per-block validation delay
  DurationNs validation_per_mb = 0;   // plus this per 1,000,000 bytes of block
  std::uint32_t block_size_bytes = 1'000'000;  // size of the blocks this node mines
  std::uint32_t block_tx_count = 1;
  std::uint32_t max_blocks_in_flight_per_peer = 16;  // Bitcoin Core's MAX_BLOCKS_IN_TRANSIT_PER_PEER
  std::uint32_t genesis_time = 0;  // header time (Unix seconds) of genesis; mined blocks add sim time
  std::uint32_t bits = 0;          // compact target of every block
};

struct Timer {
  enum class Kind : std::uint8_t { kValidationDone };
  Kind kind = Kind::kValidationDone;
  std::uint32_t arg = 0;
};

// Inputs.
struct PeerConnected {
  PeerId peer;
  bool inbound;
};
struct PeerDisconnected {
  PeerId peer;
};
struct MessageReceived {
  PeerId peer;
  const Message* message;
};
struct TimerFired {
  Timer timer;
};
struct BlockFound {};  // the mining oracle says this node found a block on its current tip
using Input = std::variant<PeerConnected, PeerDisconnected, MessageReceived, TimerFired, BlockFound>;

struct Observation {
  enum class Kind : std::uint8_t {
    kBlockMined,     // block: the new block
    kBlockAccepted,  // block: now validated and stored by this node (mined or received)
    kTipChanged,     // block: new tip; previous: old tip; reorg_depth: blocks disconnected
  };
  Kind kind;
  BlockHandle block = kNoBlock;
  BlockHandle previous = kNoBlock;
  std::uint32_t reorg_depth = 0;
};

// What a node wants done. The driver owns it, clears it between inputs and reuses it.
class Outbox {
 public:
  struct Send {
    PeerId peer;
    MessageId message;
  };
  struct ArmTimer {
    TimeNs at;
    Timer timer;
  };

  explicit Outbox(MessagePool& pool) : pool_(&pool) {}

  // A fresh message for the node to fill before its next NewMessage call; `*id` names it.
  Message& NewMessage(MsgType type, MessageId* id) {
    *id = pool_->Acquire(type);
    return pool_->Get(*id);
  }
  // Queues `id` to `peer`; the outbox takes over the caller's reference.
  void SendMessage(PeerId peer, MessageId id) { sends.push_back({peer, id}); }
  void Arm(TimeNs at, Timer timer) { timers.push_back({at, timer}); }
  void Observe(const Observation& o) { observations.push_back(o); }
  void Clear() {
    sends.clear();
    timers.clear();
    observations.clear();
  }
  MessagePool& pool() { return *pool_; }

  std::vector<Send> sends;
  std::vector<ArmTimer> timers;
  std::vector<Observation> observations;

 private:
  MessagePool* pool_;
};

class Node {
 public:
  // `store` and `config` outlive the node and are shared with other nodes. `rng_seed` seeds
  // the node's private RNG (the driver derives it from the scenario seed and node index).
  Node(std::uint32_t index, const NodeConfig& config, BlockStore& store, std::uint64_t rng_seed);

  void Handle(TimeNs now, const Input& input, Outbox& out);

  std::uint32_t index() const { return index_; }
  BlockHandle tip() const { return tip_; }
  BlockHandle best_header() const { return best_header_; }
  bool HasBlock(BlockHandle h) const { return Has(h, kChainComplete); }
  std::size_t connected_peers() const;

 private:
  // Per-block status bits.
  static constexpr std::uint8_t kHaveHeader = 1;
  static constexpr std::uint8_t kInFlight = 2;
  static constexpr std::uint8_t kValidating = 4;
  static constexpr std::uint8_t kHaveData = 8;        // validated and stored
  static constexpr std::uint8_t kChainComplete = 16;  // it and all its ancestors have data

  struct Peer {
    bool connected = false;
    bool inbound = false;
    bool prefers_headers = false;
    BlockHandle best_known = kNoBlock;  // most-work block the peer is known to have
    BlockHandle best_sent = kNoBlock;   // last header we sent it
    std::uint32_t in_flight = 0;
  };
  struct InFlight {
    BlockHandle block;
    PeerId peer;
  };

  void OnPeerConnected(const PeerConnected& in, Outbox& out);
  void OnPeerDisconnected(const PeerDisconnected& in, Outbox& out);
  void OnMessage(TimeNs now, PeerId peer, const Message& m, Outbox& out);
  void OnInv(PeerId peer, const Message& m, Outbox& out);
  void OnGetHeaders(PeerId peer, const Message& m, Outbox& out);
  void OnHeaders(PeerId peer, const Message& m, Outbox& out);
  void OnGetData(PeerId peer, const Message& m, Outbox& out);
  void OnBlock(TimeNs now, PeerId peer, const Message& m, Outbox& out);
  void OnValidationDone(BlockHandle h, Outbox& out);
  void OnBlockFound(TimeNs now, Outbox& out);

  std::uint8_t State(BlockHandle h) const { return h < state_.size() ? state_[h] : 0; }
  bool Has(BlockHandle h, std::uint8_t bit) const { return (State(h) & bit) != 0; }
  void Set(BlockHandle h, std::uint8_t bit);
  void Clear(BlockHandle h, std::uint8_t bit) {
    if (h < state_.size()) state_[h] &= static_cast<std::uint8_t>(~bit);
  }

  void AcceptHeader(BlockHandle h);
  void UpdatePeerBestKnown(Peer& p, BlockHandle h);
  bool PeerHasHeader(const Peer& p, BlockHandle h) const;
  void FetchBlocks(PeerId peer, Outbox& out);
  void RemoveInFlight(BlockHandle h);
  void MarkChainComplete(BlockHandle h, Outbox& out);
  void SetTip(BlockHandle new_tip, Outbox& out);
  void AnnounceTip(BlockHandle fork, Outbox& out);
  void SendGetHeaders(PeerId peer, BlockHandle stop, Outbox& out);
  void SendBlocks(PeerId peer, MsgType type, Outbox& out);  // sends scratch_ as `type`

  std::uint32_t index_;
  const NodeConfig* config_;
  BlockStore* store_;
  Rng rng_;
  std::vector<std::uint8_t> state_;  // indexed by BlockHandle
  std::vector<Peer> peers_;          // indexed by PeerId
  std::vector<InFlight> in_flight_;  // at most peers x max_blocks_in_flight_per_peer
  std::vector<BlockHandle> waiting_;  // have data, waiting for an ancestor's data
  std::vector<BlockHandle> scratch_;  // reused per call, never holds state between calls
  BlockHandle tip_ = kGenesis;
  BlockHandle best_header_ = kGenesis;
  TimeNs validation_free_at_ = 0;  // blocks are validated one at a time, in arrival order
  std::uint32_t blocks_mined_ = 0;
};

}  // namespace peerlab::protocol
