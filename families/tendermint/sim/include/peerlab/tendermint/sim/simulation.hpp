// The Tendermint family on the protocol-neutral engine (sim/): nodes of node.hpp, each
// connection an MConnection over a SecretConnection, a transaction workload, and what a run
// measures (report.hpp). Works over the fast engine's link models and over any sim::Transport
// (ns-3).
//
// Contract: Build checks the spec and sets everything up; Run drives the engine to the stop
// (every online node has committed `stop_heights`, or `stop_time`); report() is then final.
// Agreement is checked at every commit: two different blocks committed at one height end the
// run at once with `safety_violation` set (the run's status is then an error naming the seed
// and height). Nothing here throws.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/sim/run_events.hpp"
#include "peerlab/sim/network_spec.hpp"
#include "peerlab/sim/protocol.hpp"
#include "peerlab/tendermint/block_registry.hpp"
#include "peerlab/tendermint/node.hpp"
#include "peerlab/tendermint/sim/report.hpp"
#include "peerlab/tendermint/strategies.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::tendermint {

struct GroupSpec {
  std::string name;
  bool rest = false;
  std::uint32_t node_count = 0;
  double power_share = 0;  // share of the total voting power, split evenly over the group
  // "" honest; "silent": validators that never sign; "equivocate": every vote signed twice
  // (strategies.hpp); "target-proposer": the group attacks each height's round-0 proposer,
  // holding everything it sends for `target_delay` (the scenario's `hold`) from the moment its
  // height begins.
  // "censor": the group's validators leave transactions of class `censored_class` (an index
  // into SimSpec::tx_classes) out of their proposals.
  // "twins": the group has no power of its own; its k-th node (by node index) runs the
  // protocol as written with the validator key of the k-th node of group `twin_of` (same node
  // count), so each pair may sign two values in one step (Twins, Bano et al.).
  std::string strategy;
  DurationNs target_delay = 0;
  std::uint16_t censored_class = 0;
  std::string twin_of = "";  // with a default: initializer lists may stop before it
};

// A class of the transaction workload (`transactions.classes`), followed separately in results.
struct TxClassSpec {
  std::string name;
  double share = 1;
};

struct SimSpec : sim::NetworkSpec {
  std::vector<GroupSpec> groups;
  NodeConfig node;  // `consensus.self` is set per node
  Height stop_heights = 0;
  std::optional<TimeNs> stop_time;
  double tx_rate_per_s = 0;
  std::uint32_t tx_bytes_min = 250;  // each transaction's size, uniform in [min, max]
  std::uint32_t tx_bytes_max = 250;
  // Each transaction's class is drawn by these shares; empty: one class, `default`.
  std::vector<TxClassSpec> tx_classes;
  // MConnection (p2p/conn/connection.go; CometBFT's DefaultP2PConfig): writes wait in a
  // buffer flushed at most flush_throttle after the first, or at once when 64 KiB fill it.
  DurationNs flush_throttle = 100 * kMillisecond;
  // churn.include_validators: validators may churn too (otherwise only full nodes do).
  bool churn_include_validators = false;
  std::uint32_t max_packet_payload = 1024;
};

class Simulation final : public sim::Protocol {
 public:
  static Result<std::unique_ptr<Simulation>> Build(const SimSpec& spec,
                                                  std::unique_ptr<sim::Transport> transport);
  ~Simulation() override;
  // Runs to the stop; an error if agreement broke (the report says where). `progress` is
  // called about every `every_events` events (its `completed`: the highest height committed).
  using ProgressFn = std::function<void(const sim::ProgressInfo&)>;
  Status Run(const ProgressFn& progress = {}, std::uint64_t every_events = 1u << 18);
  const RunReport& report() const { return report_; }
  const sim::Engine& engine() const { return *engine_; }
  const Node& node(std::uint32_t i) const { return *nodes_[i]; }
  // The validator set at genesis, and which of its validators (by index) are silent.
  const ValidatorSet& genesis_validators() const { return genesis_; }
  const std::vector<bool>& silent_validators() const { return silent_validators_; }
  std::uint32_t node_count() const { return static_cast<std::uint32_t>(nodes_.size()); }
  std::uint64_t transactions_created() const { return next_tx_ - 1; }
  // Node i runs the protocol as written with a key of its own: neither silent, nor given a
  // byzantine strategy, nor one of a pair of twins.
  bool Honest(std::uint32_t i) const {
    return hooks_[i] == nullptr && !silent_[i] && !twinned_[i];
  }

  // sim::ProtocolFamily (hot calls).
  void OnMessage(sim::NodeIndex node, sim::Slot slot, sim::MessageHandle m);
  void OnTimer(const sim::Event& e);
  void OnOracle(const sim::Event& e);
  void OnWorkload(const sim::Event& e);
  // Hints (sim::ProtocolFamily): for the next event, a delivery's batch and the receiver's write
  // buffers it will append to; for the one after it, that batch's envelope array. Measured with
  // tendermint_bench 150+1000 nodes, 5 heights, 3 alternating pairs each: cpu 0.974 and then
  // 0.984 (medians). Always inlined: GCC drops a call that only prefetches.
  [[gnu::always_inline]] void Prefetch(const sim::Event& next, const sim::Event* after) {
    if (next.kind() == sim::EventKind::kDeliver) {
      const Batch& batch = batches_[next.c];
      __builtin_prefetch(&batch);
      __builtin_prefetch(pending_[next.a].data());
      if (after != nullptr && after->kind() == sim::EventKind::kDeliver) {
        __builtin_prefetch(batches_[after->c].messages.data());
      }
    }
  }

  // sim::Protocol.
  void OnPeerUp(sim::NodeIndex node, const sim::PeerUp& up) override;
  void OnPeerDown(sim::NodeIndex node, sim::Slot slot) override;
  void OnConnectFailed(sim::NodeIndex node, sim::Address address) override;
  void OnOffline(sim::NodeIndex node) override;
  void OnOnline(sim::NodeIndex node) override;
  void OnFamilyLifecycle(const sim::Event&) override {}
  void OnHeal(std::uint32_t) override;
  void ReleaseMessage(sim::MessageHandle m) override;
  void OnMessageLost(sim::NodeIndex to, sim::Slot to_slot, std::uint32_t generation,
                     sim::MessageHandle m) override;
  // A duplicate (a message fault) is a batch of its own holding the same envelopes.
  bool CanDuplicateMessages() const override { return true; }
  sim::MessageHandle DuplicateMessage(sim::MessageHandle m) override;
  void DeliverFromTransport(sim::NodeIndex node, sim::Slot slot, sim::MessageHandle m) override;
  void RunEventsUntil(TimeNs t) override;
  std::uint32_t progress_count() const override;

 private:
  explicit Simulation(const SimSpec& spec);
  Status Setup(std::unique_ptr<sim::Transport> transport);
  void Deliver(sim::NodeIndex node, const NodeInput& input);
  void Queue(sim::NodeIndex node, PeerSlot slot, const EnvelopePtr& envelope);
  void Flush(sim::NodeIndex node, sim::Slot slot);
  void Observe(sim::NodeIndex node, const Observation& o);
  void ScheduleNextTx();
  bool AllCommitted(Height h) const;
  void TargetProposerOf(Height height);
  void Redial(sim::NodeIndex node);
  void ReportPartitions();
  // Connections (connections.cpp): MConnection's keep-alive and the redial of persistent peers.
  void OpenLink(sim::NodeIndex node, sim::Slot slot, bool outbound);
  void LinkDown(sim::NodeIndex node, sim::Slot slot);
  void OnKeepAlive(sim::NodeIndex node, sim::Slot slot);
  void SendControl(sim::NodeIndex node, sim::Slot slot, std::uint8_t control);
  void Reconnect(sim::NodeIndex node, sim::NodeIndex target);
  // False if the batch is behind a hole in its connection's stream (or for no current
  // connection); handles its ping or pong otherwise.
  bool AcceptBatch(sim::NodeIndex node, sim::Slot slot, sim::MessageHandle m);

  // Engine timer kinds (the timer's `c`; its `b`: a node timer's handle, a slot, a node).
  static constexpr std::uint32_t kNodeTimer = 0, kFlushTimer = 1, kRedialTimer = 2,
                                 kKeepAliveTimer = 3, kReconnectTimer = 4;
  // How often a node dials the outbound peers it lost, with churn: CometBFT's PEX reactor
  // checks its outbound peers every 30 s (p2p/pex/pex_reactor.go, defaultEnsurePeersPeriod).
  static constexpr DurationNs kRedialPeriod = 30 * kSecond;
  static constexpr std::uint8_t kPing = 1, kPong = 2;  // MConnection's PacketPing, PacketPong
  // One connection end's MConnection write buffer.
  struct Pending {
    std::vector<EnvelopePtr> messages;
    std::uint64_t bytes = 0;  // packet bytes before encryption
    bool flush_set = false;
    std::uint8_t control = 0;  // a ping or pong written to it (flushed at once)
  };
  struct Batch {
    std::vector<EnvelopePtr> messages;
    std::uint64_t seq = 0;      // its place in its connection's stream (1, 2, ...)
    std::uint8_t control = 0;   // kPing, kPong: after the messages, as written
  };
  // One connection end: what the keep-alive and the stream order need.
  struct Link {
    std::uint32_t generation = 0;  // the engine's slot generation of this connection
    sim::NodeIndex remote = 0;
    bool outbound = false;
    std::uint64_t sent = 0;                    // batches sent on it
    std::uint64_t deliver_below = UINT64_MAX;  // the first batch lost towards this end
    TimeNs next_ping = 0;
    TimeNs pong_due = kTimeNever;  // a ping sent, its pong not yet back
  };
  // A persistent peer being dialled again (CometBFT's reconnectToPeer).
  struct Redialling {
    sim::NodeIndex target = 0;
    std::uint32_t failures = 0;
    TimeNs next_at = -1;  // the next attempt's time (its timer); -1: the first, at once
  };

  SimSpec spec_;
  std::unique_ptr<sim::Engine> engine_;
  BlockRegistry registry_;
  EnvelopeCache envelopes_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<ConsensusHooks>> hooks_;  // per node; null: honest
  std::vector<std::unique_ptr<ClassCensor>> censors_;  // per censoring group
  std::vector<std::uint32_t> node_group_;
  std::vector<bool> silent_;
  std::vector<bool> twinned_;  // per node: one of a pair sharing a validator key
  std::vector<std::uint32_t> key_node_;  // per node: the node whose validator key it uses
  ValidatorSet genesis_;
  std::vector<bool> silent_validators_;  // by validator index
  std::vector<std::vector<Pending>> pending_;  // per node, per slot
  std::vector<std::vector<Link>> links_;       // per node, per slot
  std::vector<Batch> batches_;                 // by message handle
  std::vector<sim::MessageHandle> free_batches_;
  sim::MessageHandle TakeBatch();  // a free batch slot, or a new one
  std::vector<std::vector<EnvelopePtr>> spare_;  // emptied message buffers, reused
  std::vector<NodeTimer> timers_;              // by timer handle
  std::vector<std::uint32_t> free_timers_;
  Outbox outbox_;
  Rng tx_rng_;
  TxId next_tx_ = 1;
  std::vector<double> tx_class_cumulative_;  // running sums of the class shares
  std::vector<std::uint16_t> tx_class_;      // by transaction id - 1
  Height target_ = 0;
  std::vector<Height> committed_;  // per node
  std::vector<std::optional<BlockId>> committed_blocks_;  // the first commit of each height
  // The proposer-targeting attack: the node held, until when (none: kNoTarget).
  static constexpr std::uint32_t kNoTarget = UINT32_MAX;
  DurationNs target_delay_ = 0;
  std::uint32_t targeted_ = kNoTarget;
  TimeNs targeted_until_ = 0;
  std::vector<std::uint32_t> node_of_validator_;  // by validator index
  // Persistent peers: each node's outbound peers of the initial topology (dial_targets_). A
  // node dials one again when its connection closes (redialling_, connections.cpp); with churn
  // or outages a node back online dials them all, and every node redials those it lost every
  // kRedialPeriod.
  std::vector<std::vector<sim::NodeIndex>> dial_targets_;
  std::vector<std::vector<Redialling>> redialling_;  // per node
  ValidatorSet target_set_;                        // the targeted height's round-0 set
  Height target_set_height_ = 0;
  MetricsCollector metrics_;
  RunReport report_;
  Status safety_ = Status::Ok();
  std::uint64_t pong_timeouts_ = 0;
};

}  // namespace peerlab::tendermint
