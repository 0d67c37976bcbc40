// MiniNet: a tiny driver for protocol tests. Fixed per-message latency, no bandwidth, manual
// connections; records every message so tests can assert on the exchange.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "peerlab/bitcoin/node.hpp"

namespace peerlab::testing {

class MiniNet {
 public:
  explicit MiniNet(std::size_t nodes, bitcoin::RelayMode relay = bitcoin::RelayMode::kHeaders,
                   DurationNs latency = 50 * kMillisecond, bool tx_relay = false)
      : store_(Genesis(), 285), outbox_(pool_), latency_(latency) {
    config_.relay = relay;
    config_.tx_relay = tx_relay;
    config_.validation_fixed = 1 * kMillisecond;
    config_.validation_per_mb = 10 * kMillisecond;
    config_.genesis_time = Genesis().time;
    config_.bits = Genesis().bits;
    // Tests of block and transaction relay read exact message logs: no address traffic
    // unless a test asks for it.
    config_.addr_gossip = bitcoin::AddrGossip::kOff;
    config_.feeler_interval = 0;
    for (std::size_t i = 0; i < nodes; ++i) {
      nodes_.push_back(std::make_unique<bitcoin::Node>(static_cast<std::uint32_t>(i), config_,
                                                        store_, txs_, 99,
                                                        AddressOf(static_cast<std::uint32_t>(i))));
      links_.emplace_back();
    }
  }

  static bitcoin::BlockHeader Genesis() {
    bitcoin::BlockHeader h;
    h.time = 1296688602;
    h.bits = 0x207fffff;
    h.nonce = 2;
    return h;
  }

  // Node i listens at 10.i.0.1: every node has its own /16 network group.
  static bitcoin::NetAddress AddressOf(std::uint32_t node) { return 0x0A000001u + (node << 16); }

  void Connect(std::uint32_t from, std::uint32_t to) { Connect(from, to, false); }
  void ConnectBlockRelayOnly(std::uint32_t from, std::uint32_t to) { Connect(from, to, true); }

  void Connect(std::uint32_t from, std::uint32_t to, bool block_relay_only) {
    const auto from_slot = static_cast<bitcoin::PeerId>(links_[from].size());
    const auto to_slot = static_cast<bitcoin::PeerId>(links_[to].size() + (from == to ? 1 : 0));
    links_[from].push_back({to, to_slot});
    links_[to].push_back({from, from_slot});
    Input(from, bitcoin::PeerConnected{from_slot, false, block_relay_only, AddressOf(to)});
    Input(to, bitcoin::PeerConnected{to_slot, true, block_relay_only, AddressOf(from)});
  }

  void Mine(std::uint32_t node) { Input(node, bitcoin::BlockFound{}); }
  // Loses the next message `command` that `from` sends to `to` (a fault on a connection that
  // stays up); the log shows it with " (lost)".
  void LoseNext(std::uint32_t from, std::uint32_t to, const std::string& command) {
    to_lose_.push_back({from, to, command});
  }
  void Inject(std::uint32_t node, const bitcoin::Input& input) { Input(node, input); }

  bitcoin::TxHandle SubmitTx(std::uint32_t node, std::uint32_t size, std::uint64_t fee,
                              std::uint16_t tx_class = 0) {
    const bitcoin::TxHandle h = txs_.Add(size, fee, tx_class, node, now_, next_outpoint_++);
    Input(node, bitcoin::SubmitTx{h});
    return h;
  }

  // Processes events up to `until` only (then stops, leaving later ones queued).
  void RunUntil(TimeNs until) {
    while (!queue_.empty() && std::get<0>(queue_.begin()->first) <= until) Step();
    now_ = std::max(now_, until);
  }

  // Processes queued deliveries and timers in time order until none are left.
  void Settle() {
    while (!queue_.empty()) Step();
  }

  void Step() {
    auto it = queue_.begin();
    const auto [key, item] = *it;
    queue_.erase(it);
    now_ = std::get<0>(key);
    if (item.is_timer) {
      Input(item.node, bitcoin::TimerFired{item.timer});
    } else if (item.message == kDisconnectMarker) {
      Input(item.node, bitcoin::PeerDisconnected{item.peer});
    } else {
      Input(item.node, bitcoin::MessageReceived{item.peer, &pool_.Get(item.message)});
      pool_.Release(item.message);
    }
  }

  bitcoin::Node& node(std::uint32_t i) { return *nodes_[i]; }
  bitcoin::NodeConfig& config() { return config_; }
  const bitcoin::BlockStore& store() const { return store_; }
  const bitcoin::TxStore& txs() const { return txs_; }
  const bitcoin::Message& last_message(const std::string& command) const {
    for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
      if (bitcoin::CommandName(pool_.Get(*it).type) == command) return pool_.Get(*it);
    }
    PEERLAB_ASSERT(false);
  }
  // Every message sent so far, in send order (each kept alive for the test).
  std::vector<const bitcoin::Message*> sent() const {
    std::vector<const bitcoin::Message*> out;
    for (bitcoin::MessageId id : sent_) out.push_back(&pool_.Get(id));
    return out;
  }
  TimeNs now() const { return now_; }
  // When a node last did something (sent, observed, connected or disconnected): Settle() also
  // runs timers that find nothing to do (a peer-timeout check after the last download).
  TimeNs last_activity() const { return last_activity_; }
  // "from>to:command" for every message sent, in send order.
  const std::vector<std::string>& log() const { return log_; }
  const std::vector<std::pair<std::uint32_t, bitcoin::Observation>>& observations() const {
    return observations_;
  }
  // Connections nodes asked for (MiniNet does not open them; tests do, with Connect).
  const std::vector<std::pair<std::uint32_t, bitcoin::Outbox::Connect>>& connect_requests() const {
    return connect_requests_;
  }

 private:
  struct Link {
    std::uint32_t remote;
    bitcoin::PeerId remote_peer;
  };
  struct Item {
    bool is_timer;
    std::uint32_t node;
    bitcoin::PeerId peer;
    bitcoin::MessageId message;
    bitcoin::Timer timer;
  };

  void Input(std::uint32_t node, const bitcoin::Input& input) {
    outbox_.Clear();
    nodes_[node]->Handle(now_, input, outbox_);
    for (const auto& s : outbox_.sends) {
      const Link& l = links_[node][s.peer];
      const bitcoin::Message& m = pool_.Get(s.message);
      std::string entry = std::to_string(node) + ">" + std::to_string(l.remote) + ":" +
                          std::string(bitcoin::CommandName(m.type));
      if (m.type == bitcoin::MsgType::kSendCmpct) entry += m.flag ? "(1)" : "(0)";
      // The handshake is the same on every connection; tests look at what follows it.
      if (m.type != bitcoin::MsgType::kVersion && m.type != bitcoin::MsgType::kVerack) {
        log_.push_back(entry);
      }
      const auto lost = std::find_if(to_lose_.begin(), to_lose_.end(), [&](const Loss& x) {
        return x.from == node && x.to == l.remote && x.command == bitcoin::CommandName(m.type);
      });
      if (lost != to_lose_.end()) {
        to_lose_.erase(lost);
        log_.push_back(entry + " (lost)");
        pool_.Release(s.message);
        continue;
      }
      pool_.AddRef(s.message);  // kept for last_message()
      sent_.push_back(s.message);
      queue_.emplace(std::make_tuple(now_ + latency_, seq_++),
                     Item{false, l.remote, l.remote_peer, s.message, {}});
    }
    if (!outbox_.sends.empty() || !outbox_.observations.empty() || !outbox_.connects.empty() ||
        !outbox_.disconnects.empty()) {
      last_activity_ = now_;
    }
    for (const auto& t : outbox_.timers) {
      queue_.emplace(std::make_tuple(t.at, seq_++), Item{true, node, 0, 0, t.timer});
    }
    for (const auto& o : outbox_.observations) observations_.emplace_back(node, o);
    for (const auto& c : outbox_.connects) connect_requests_.emplace_back(node, c);
    for (bitcoin::PeerId peer : outbox_.disconnects) {
      const Link& l = links_[node][peer];
      log_.push_back(std::to_string(node) + ">" + std::to_string(l.remote) + ":disconnect");
      queue_.emplace(std::make_tuple(now_ + latency_, seq_++),
                     Item{false, l.remote, l.remote_peer, kDisconnectMarker, {}});
    }
  }
  static constexpr bitcoin::MessageId kDisconnectMarker = UINT32_MAX;
  struct Loss {
    std::uint32_t from, to;
    std::string command;
  };
  std::vector<Loss> to_lose_;

  bitcoin::NodeConfig config_;
  bitcoin::BlockStore store_;
  bitcoin::TxStore txs_;
  std::uint64_t next_outpoint_ = 1;
  std::vector<bitcoin::MessageId> sent_;
  bitcoin::MessagePool pool_;
  bitcoin::Outbox outbox_;
  DurationNs latency_;
  std::vector<std::unique_ptr<bitcoin::Node>> nodes_;
  std::vector<std::vector<Link>> links_;
  std::map<std::tuple<TimeNs, std::uint64_t>, Item> queue_;
  std::uint64_t seq_ = 0;
  TimeNs now_ = 0;
  TimeNs last_activity_ = 0;
  std::vector<std::string> log_;
  std::vector<std::pair<std::uint32_t, bitcoin::Observation>> observations_;
  std::vector<std::pair<std::uint32_t, bitcoin::Outbox::Connect>> connect_requests_;
};

}  // namespace peerlab::testing
