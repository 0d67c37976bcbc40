// What flows in and out of a Node (node.hpp): the inputs a driver feeds to Node::Handle, the
// timers a node arms, what it reports (Observation) and the Outbox it fills.
//
// The Outbox sizes each message as it is queued (Outbox::SendMessage), so `wire_bytes` is set
// in one place and the node's send sites only fill fields.
#pragma once

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "peerlab/bitcoin/address.hpp"
#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/message.hpp"
#include "peerlab/bitcoin/node_config.hpp"
#include "peerlab/bitcoin/tx_store.hpp"
#include "peerlab/util/assert.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::bitcoin {

struct Timer {
  enum class Kind : std::uint8_t {
    kValidationDone,
    kTrickleOutbound,
    kTrickleInbound,
    kPing,
    kOpenConnections,
    kFeeler,
    kAddrTrickle,  // arg: peer
    kStrategyAnnounce,  // a black hole's delayed announcement of its tip
    kStrategyFlood,     // an eclipse attacker's next addr flood to its victim
    kPeerTimeouts,      // handshakes, pings and block downloads that took too long
    kAddedConnections,  // dial the added connections (fixed topologies) that are down
  };
  Kind kind = Kind::kValidationDone;
  std::uint32_t arg = 0;
};

// Inputs.
struct PeerConnected {
  PeerId peer;
  bool inbound;
  bool block_relay_only = false;  // we opened it to relay blocks only (Core: 2 such outbound)
  NetAddress address = kNoAddress;  // the remote's address (inbound: where it comes from)
  bool feeler = false;              // we opened it to test the address, then close it
};
// An Outbox::Connect to `address` failed: nobody there, or the remote refused (full).
struct ConnectFailed {
  NetAddress address;
};
// Addresses from DNS seeds or a fixed seed list, as a fresh node would query them.
struct SeedAddresses {
  std::span<const NetAddress> addresses;
  NetAddress source;  // the seed itself; its group bounds where they land in the new table
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
// The mining oracle says this node found a block on its current tip. `header_time`: the new
// header's time in Unix seconds (a daemon passes its clock); 0: genesis time plus `now`.
// With an open store the node grinds a real block (mining.hpp) and stamps at least the
// parent's median time past + 1, so a burst of blocks in one second stays valid.
struct BlockFound {
  std::uint32_t header_time = 0;
};
struct SubmitTx {      // a wallet on this node created a transaction
  TxHandle tx;
};
// A byte-level driver could not frame or decode what the peer sent (bad magic, oversize,
// bad checksum, malformed payload). The node scores the peer and disconnects it.
struct MalformedMessage {
  PeerId peer;
};
// The node was offline since its previous input and is back (node_restart.cpp). The driver
// closed every connection the node had (it is not told of them one by one), dropped what was
// sent to it and every timer it had armed. The node keeps its chain, mempool and address
// manager (Core keeps peers.dat), forgets its peers and what it had requested, and opens
// connections again: with anchors on, first to the block-relay-only peers it had.
struct Restart {};
using Input = std::variant<PeerConnected, PeerDisconnected, MessageReceived, TimerFired,
                           BlockFound, SubmitTx, MalformedMessage, ConnectFailed, SeedAddresses,
                           Restart>;

struct Observation {
  enum class Kind : std::uint8_t {
    kBlockMined,     // block: the new block
    kBlockAccepted,  // block: now validated and stored by this node (mined or received)
    kTipChanged,     // block: new tip; previous: old tip; reorg_depth: blocks disconnected
    kTxAccepted,     // tx: entered this node's mempool for the first time
    kPeerPunished,   // peer: misbehaved; score: its total; disconnected when >= 100
    kPeerEvicted,    // peer: an inbound peer dropped to make room for a new one
    // Strategies: block: our block just published at the height of previous, an honest block
    // we heard of first (a race the network decides).
    kRaceStarted,
    // Double spend: block: the block holding the payment; score: 1 if the private chain was
    // published, 0 if the attempt was given up.
    kAttemptEnded,
  };
  Kind kind;
  BlockHandle block = kNoBlock;
  BlockHandle previous = kNoBlock;
  std::uint32_t reorg_depth = 0;
  TxHandle tx = kNoTx;
  PeerId peer = UINT32_MAX;
  std::uint32_t score = 0;
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

  // The stores that the messages queued from now on refer to (block and transaction sizes):
  // Node::Handle sets its own at each input, since one outbox serves every node of a driver.
  void SizeWith(const BlockStore& blocks, const TxStore& txs) {
    blocks_ = &blocks;
    txs_ = &txs;
  }
  // A fresh message for the node to fill; `*id` names it. The reference stays valid.
  Message& NewMessage(MsgType type, MessageId* id) {
    *id = pool_->Acquire(type);
    return pool_->Get(*id);
  }
  // Queues `id` to `peer` and sets its exact `wire_bytes`; the outbox takes over the caller's
  // reference. The message is complete here: it is immutable once sent.
  void SendMessage(PeerId peer, MessageId id) {
    PEERLAB_ASSERT(blocks_ != nullptr);
    Message& m = pool_->Get(id);
    m.wire_bytes = WireSize(m, *blocks_, *txs_);
    sends.push_back({peer, id});
  }
  void Arm(TimeNs at, Timer timer) { timers.push_back({at, timer}); }
  void Observe(const Observation& o) { observations.push_back(o); }
  // The node closed this connection (it already considers it gone).
  void Disconnect(PeerId peer) { disconnects.push_back(peer); }
  // The node wants a connection to `address`; the driver answers with PeerConnected (not
  // inbound, with this address and kind) or ConnectFailed.
  struct Connect {
    NetAddress address;
    ConnectionKind kind;
  };
  void OpenConnection(NetAddress address, ConnectionKind kind) { connects.push_back({address, kind}); }
  void Clear() {
    sends.clear();
    timers.clear();
    observations.clear();
    disconnects.clear();
    connects.clear();
  }

  std::vector<Connect> connects;

  std::vector<PeerId> disconnects;
  std::vector<Send> sends;
  std::vector<ArmTimer> timers;
  std::vector<Observation> observations;

  // The node's working list of blocks within one call (never state between calls). It lives
  // in the driver's outbox, shared by all nodes, so that it stays in cache: a list per node
  // was a cold heap block on every block announcement.
  std::vector<BlockHandle> block_scratch;
  // The same for the transactions a trickle considers for one peer, and for those an
  // inbound trickle sorts once for all inbound peers (with where they are in the node's
  // announcement log and the peer they came from).
  std::vector<TxHandle> tx_scratch;
  struct TxCandidate {
    TxHandle tx;
    PeerId from;
    std::uint32_t seq;
  };
  std::vector<TxCandidate> tx_sorted;
  std::vector<TxStore::Ranked> tx_ranked;  // an outbound peer's candidates with their keys

 private:
  MessagePool* pool_;
  const BlockStore* blocks_ = nullptr;
  const TxStore* txs_ = nullptr;
};

}  // namespace peerlab::bitcoin
