// A deterministic in-test network of Tendermint cores (tests only): every node's broadcasts go
// directly to every other node with a seeded random delay, optional drops and a partition
// predicate; timeouts come back as inputs at their time. The reactor's gossip is modelled by a
// periodic re-send of each node's own proposals and votes of its current and previous height,
// so dropped or cut messages arrive eventually. A proposal's block arrives with it
// (FullBlockReceived right after ProposalReceived), valid unless the harness was told the id is
// invalid. Agreement (one block per height across all nodes) and validity (only valid blocks
// committed) are checked on every commit.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "peerlab/tendermint/consensus.hpp"
#include "peerlab/util/hash.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::tendermint::testing {

inline Address TestAddr(int i) {
  Address a{};
  a[0] = static_cast<std::uint8_t>(i + 1);
  return a;
}

inline BlockId MakeBlockId(std::uint64_t tag) {
  BlockId id;
  for (int i = 0; i < 8; ++i) id.hash.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(tag >> (8 * i));
  id.hash.bytes[31] = 0xB1;
  id.part_set_header.total = 1;
  id.part_set_header.hash.bytes[0] = static_cast<std::uint8_t>(tag);
  return id;
}

struct CommitRecord {
  Round round = 0;
  BlockId block_id;
  TimeNs at = 0;
  std::size_t precommits = 0;
  std::vector<Vote> votes;  // the commit's precommits
};

class Harness {
 public:
  struct Options {
    std::vector<VotingPower> powers = {1, 1, 1, 1};
    int full_nodes = 0;  // nodes whose address is not in the set
    DurationNs min_delay = 5 * kMillisecond;
    DurationNs max_delay = 50 * kMillisecond;
    double drop = 0.0;
    DurationNs gossip_every = 1000 * kMillisecond;
    ConsensusConfig config;  // `self` is set per node
    std::uint64_t seed = 1;
  };

  explicit Harness(Options o) : opt_(std::move(o)), rng_(opt_.seed) {
    std::vector<Validator> vals;
    for (std::size_t i = 0; i < opt_.powers.size(); ++i) {
      vals.push_back(Validator{TestAddr(static_cast<int>(i)), opt_.powers[i], 0});
    }
    set_ = *ValidatorSet::Make(vals);
    const int n = static_cast<int>(opt_.powers.size()) + opt_.full_nodes;
    hooks_.resize(static_cast<std::size_t>(n));
    sent_.resize(static_cast<std::size_t>(n));
    commits_.resize(static_cast<std::size_t>(n));
    evidence_.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      ConsensusConfig c = opt_.config;
      c.self = TestAddr(i);
      nodes_.push_back(std::make_unique<ConsensusState>(
          set_, c, [this, i](Height h, Round r) { return NewBlock(i, h, r); }, nullptr));
    }
  }

  // Replace node i's hooks (before Start).
  void SetHooks(int i, std::unique_ptr<ConsensusHooks> h) {
    const ValidatorSet s = set_;
    ConsensusConfig c = nodes_[static_cast<std::size_t>(i)]->config();
    hooks_[static_cast<std::size_t>(i)] = std::move(h);
    nodes_[static_cast<std::size_t>(i)] = std::make_unique<ConsensusState>(
        s, c, [this, i](Height hh, Round r) { return NewBlock(i, hh, r); },
        hooks_[static_cast<std::size_t>(i)].get());
  }
  void SetCut(std::function<bool(int from, int to, TimeNs now)> cut) { cut_ = std::move(cut); }
  void SetIgnored(int i) { ignored_.insert(i); }  // not held to agreement (a Byzantine node)

  void Start() {
    for (int i = 0; i < size(); ++i) {
      Push(0, i, Input{in::Start{1}});
      Push(opt_.gossip_every, i, Regossip{});
    }
  }

  // Runs events until `until` or until every node in `watch` (all if empty) has committed
  // `heights` heights.
  void Run(TimeNs until, Height heights = 0, std::vector<int> watch = {}) {
    if (watch.empty()) {
      for (int i = 0; i < size(); ++i) watch.push_back(i);
    }
    while (!queue_.empty() && queue_.top().at <= until) {
      if (heights > 0) {
        bool done = true;
        for (int i : watch) done = done && Committed(i) >= heights;
        if (done) return;
      }
      Event e = queue_.top();
      queue_.pop();
      now_ = e.at;
      if (std::holds_alternative<Regossip>(e.what)) {
        Resend(e.to);
        Push(now_ + opt_.gossip_every, e.to, Regossip{});
        continue;
      }
      Feed(e.to, std::get<Input>(e.what));
    }
  }

  // Blocks the Byzantine hooks make: registered valid or invalid.
  BlockId FreshBlock(bool valid) {
    const BlockId id = MakeBlockId(0x8000'0000'0000'0000ULL | ++fresh_);
    (valid ? valid_ : invalid_).insert(id);
    return id;
  }

  int size() const { return static_cast<int>(nodes_.size()); }
  ConsensusState& node(int i) { return *nodes_[static_cast<std::size_t>(i)]; }
  const ValidatorSet& set() const { return set_; }
  Height Committed(int i) const { return static_cast<Height>(commits_[static_cast<std::size_t>(i)].size()); }
  const std::map<Height, CommitRecord>& commits(int i) const { return commits_[static_cast<std::size_t>(i)]; }
  const std::vector<DoubleSign>& evidence(int i) const { return evidence_[static_cast<std::size_t>(i)]; }
  const std::vector<std::string>& violations() const { return violations_; }
  std::int64_t votes_broadcast(int i) const { return votes_sent_.count(i) ? votes_sent_.at(i) : 0; }
  // The validator index (in the set) whose block was committed: who built it.
  int BuilderOf(const BlockId& id) const {
    auto it = builder_.find(id);
    return it == builder_.end() ? -1 : it->second;
  }
  TimeNs now() const { return now_; }

 private:
  struct Regossip {};
  struct Event {
    TimeNs at;
    std::uint64_t seq;
    int to;
    std::variant<Input, Regossip> what;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  using Msg = std::variant<Proposal, Vote>;
  struct Sent {
    Height height;
    Msg msg;
  };

  void Push(TimeNs at, int to, std::variant<Input, Regossip> what) {
    queue_.push(Event{at, ++seq_, to, std::move(what)});
  }

  BlockId NewBlock(int i, Height h, Round r) {
    const BlockId id = MakeBlockId((static_cast<std::uint64_t>(h) << 24) |
                                   (static_cast<std::uint64_t>(r) << 8) | static_cast<std::uint64_t>(i));
    valid_.insert(id);
    builder_[id] = set_.IndexOf(TestAddr(i));
    return id;
  }

  void Send(int from, const Msg& m, int parity) {
    for (int to = 0; to < size(); ++to) {
      if (to == from || (parity >= 0 && to % 2 != parity)) continue;
      if (!Reaches(from, to)) continue;
      const TimeNs at = DeliveryTime();
      if (const Proposal* p = std::get_if<Proposal>(&m)) {
        const ValidatorIndex signer = set_.IndexOf(TestAddr(from));
        Push(at, to, Input{in::ProposalReceived{*p, signer, static_cast<PeerId>(from)}});
        Push(at, to, Input{in::FullBlockReceived{p->height, p->block_id, !invalid_.contains(p->block_id)}});
      } else {
        Push(at, to, Input{in::VoteReceived{std::get<Vote>(m), static_cast<PeerId>(from)}});
      }
    }
  }

  void Resend(int i) {
    auto& log = sent_[static_cast<std::size_t>(i)];
    const Height h = node(i).height();
    std::erase_if(log, [h](const Sent& s) { return s.height < h - 1; });
    for (const Sent& s : log) Send(i, s.msg, -1);
    // CometBFT's queryMaj23Routine: claim every +2/3 this node sees at its height.
    const HeightVoteSet& hv = node(i).votes();
    for (const Round r : hv.Rounds()) {
      for (const VoteSet* vs : {hv.Prevotes(r), hv.Precommits(r)}) {
        const std::optional<BlockId> maj = vs->TwoThirdsMajority();
        if (!maj) continue;
        for (int to = 0; to < size(); ++to) {
          if (to == i || !Reaches(i, to)) continue;
          Push(DeliveryTime(), to, Input{in::PeerMaj23{h, r, vs->type(), *maj, static_cast<PeerId>(i)}});
        }
      }
    }
    // Catch-up, as CometBFT's reactor does for a peer at a lower height: the committed block
    // and the commit's precommits of the peer's height, from this node's store.
    const auto& mine = commits_[static_cast<std::size_t>(i)];
    for (int to = 0; to < size(); ++to) {
      const Height want = node(to).height();
      auto it = mine.find(want);
      if (to == i || it == mine.end() || !Reaches(i, to)) continue;
      const TimeNs at = DeliveryTime();
      // queryMaj23Routine's catch-up claim: the commit's round has +2/3 for its block.
      Push(at, to, Input{in::PeerMaj23{want, it->second.round, SignedMsgType::kPrecommit, it->second.block_id,
                                        static_cast<PeerId>(i)}});
      Push(at, to, Input{in::FullBlockReceived{want, it->second.block_id, !invalid_.contains(it->second.block_id)}});
      for (const Vote& v : it->second.votes) Push(at, to, Input{in::VoteReceived{v, static_cast<PeerId>(i)}});
    }
  }

  bool Reaches(int from, int to) {
    if (cut_ && cut_(from, to, now_)) return false;
    return !(opt_.drop > 0 && rng_.Uniform() < opt_.drop);
  }
  TimeNs DeliveryTime() {
    const DurationNs span = opt_.max_delay - opt_.min_delay;
    return now_ + opt_.min_delay +
           (span > 0 ? static_cast<DurationNs>(rng_.Below(static_cast<std::uint64_t>(span) + 1)) : 0);
  }

  void Feed(int i, const Input& input) {
    out_.clear();
    node(i).Handle(now_, input, out_);
    if (trace_) Trace(i, input);
    // Two messages of one kind from one call are an equivocation: the first goes to the
    // even-numbered nodes, the second to the odd ones (the re-gossip later sends both to all).
    std::vector<Msg> msgs;
    for (const Output& o : out_) {
      if (const auto* p = std::get_if<out::BroadcastProposal>(&o)) msgs.emplace_back(p->proposal);
      if (const auto* v = std::get_if<out::BroadcastVote>(&o)) {
        msgs.emplace_back(v->vote);
        ++votes_sent_[i];
      }
      if (const auto* t = std::get_if<out::ScheduleTimeout>(&o)) {
        Push(t->at, i, Input{in::TimeoutFired{t->height, t->round, t->step}});
      }
      if (const auto* c = std::get_if<out::Commit>(&o)) OnCommit(i, *c);
      if (const auto* e = std::get_if<out::Evidence>(&o)) evidence_[static_cast<std::size_t>(i)].push_back(e->pair);
    }
    std::vector<int> parity(msgs.size(), -1);
    for (std::size_t k = 0; k + 1 < msgs.size(); ++k) {
      if (parity[k] < 0 && SameSlot(msgs[k], msgs[k + 1])) {
        parity[k] = 0;
        parity[k + 1] = 1;
      }
    }
    for (std::size_t k = 0; k < msgs.size(); ++k) {
      const Height h = std::visit([](const auto& m) { return m.height; }, msgs[k]);
      sent_[static_cast<std::size_t>(i)].push_back(Sent{h, msgs[k]});
      Send(i, msgs[k], parity[k]);
    }
  }

  // Two proposals, or two votes of one type, for one (height, round).
  static bool SameSlot(const Msg& a, const Msg& b) {
    if (a.index() != b.index()) return false;
    if (const Proposal* p = std::get_if<Proposal>(&a)) {
      const Proposal& q = std::get<Proposal>(b);
      return p->height == q.height && p->round == q.round;
    }
    const Vote& v = std::get<Vote>(a);
    const Vote& w = std::get<Vote>(b);
    return v.height == w.height && v.round == w.round && v.type == w.type;
  }

  void OnCommit(int i, const out::Commit& c) {
    auto& mine = commits_[static_cast<std::size_t>(i)];
    if (mine.contains(c.height)) {
      violations_.push_back("node " + std::to_string(i) + " committed height " + std::to_string(c.height) + " twice");
    }
    mine[c.height] = CommitRecord{c.round, c.block_id, now_, c.precommits.size(), c.precommits};
    if (c.height != static_cast<Height>(mine.size())) {
      violations_.push_back("node " + std::to_string(i) + " skipped to height " + std::to_string(c.height));
    }
    if (ignored_.contains(i)) return;
    if (!valid_.contains(c.block_id) || invalid_.contains(c.block_id)) {
      violations_.push_back("validity: node " + std::to_string(i) + " committed an invalid block at height " +
                            std::to_string(c.height));
    }
    auto [it, fresh] = decided_.emplace(c.height, c.block_id);
    if (!fresh && it->second != c.block_id) {
      violations_.push_back("agreement: node " + std::to_string(i) + " committed a different block at height " +
                            std::to_string(c.height));
    }
  }

  void Trace(int i, const Input& input) const {
    std::fprintf(stderr, "%.3f n%d h%lld r%d s%d <- ", ToSeconds(now_), i,
                 static_cast<long long>(node_const(i).height()), node_const(i).round(),
                 static_cast<int>(node_const(i).step()));
    if (const auto* v = std::get_if<in::VoteReceived>(&input)) {
      std::fprintf(stderr, "vote t%d h%lld r%d v%d b%02x", static_cast<int>(v->vote.type),
                   static_cast<long long>(v->vote.height), v->vote.round, v->vote.validator_index,
                   v->vote.block_id.hash.bytes[0]);
    } else if (const auto* p = std::get_if<in::ProposalReceived>(&input)) {
      std::fprintf(stderr, "proposal h%lld r%d pol%d b%02x", static_cast<long long>(p->proposal.height),
                   p->proposal.round, p->proposal.pol_round, p->proposal.block_id.hash.bytes[0]);
    } else if (const auto* b = std::get_if<in::FullBlockReceived>(&input)) {
      std::fprintf(stderr, "block h%lld b%02x", static_cast<long long>(b->height), b->block_id.hash.bytes[0]);
    } else if (std::holds_alternative<in::PeerMaj23>(input)) {
      std::fprintf(stderr, "maj23");
    } else if (const auto* t = std::get_if<in::TimeoutFired>(&input)) {
      std::fprintf(stderr, "timeout h%lld r%d s%d", static_cast<long long>(t->height), t->round, static_cast<int>(t->step));
    } else {
      std::fprintf(stderr, "start");
    }
    for (const Output& o : out_) {
      if (const auto* v = std::get_if<out::BroadcastVote>(&o)) {
        std::fprintf(stderr, " | VOTE t%d r%d b%02x", static_cast<int>(v->vote.type), v->vote.round, v->vote.block_id.hash.bytes[0]);
      } else if (const auto* p = std::get_if<out::BroadcastProposal>(&o)) {
        std::fprintf(stderr, " | PROPOSE r%d b%02x", p->proposal.round, p->proposal.block_id.hash.bytes[0]);
      } else if (const auto* c = std::get_if<out::Commit>(&o)) {
        std::fprintf(stderr, " | COMMIT h%lld r%d", static_cast<long long>(c->height), c->round);
      } else if (const auto* st = std::get_if<out::StepChanged>(&o)) {
        std::fprintf(stderr, " | step h%lld r%d s%d", static_cast<long long>(st->height), st->round, static_cast<int>(st->step));
      }
    }
    std::fprintf(stderr, "\n");
  }
  const ConsensusState& node_const(int i) const { return *nodes_[static_cast<std::size_t>(i)]; }

  bool trace_ = std::getenv("PEERLAB_TM_TRACE") != nullptr;
  Options opt_;
  Rng rng_;
  ValidatorSet set_;
  std::vector<std::unique_ptr<ConsensusState>> nodes_;
  std::vector<std::unique_ptr<ConsensusHooks>> hooks_;
  std::function<bool(int, int, TimeNs)> cut_;
  std::set<int> ignored_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  std::uint64_t seq_ = 0;
  TimeNs now_ = 0;
  std::vector<Output> out_;
  std::vector<std::vector<Sent>> sent_;
  std::vector<std::map<Height, CommitRecord>> commits_;
  std::vector<std::vector<DoubleSign>> evidence_;
  std::map<Height, BlockId> decided_;
  std::set<BlockId> valid_, invalid_;
  std::map<BlockId, int> builder_;
  std::map<int, std::int64_t> votes_sent_;
  std::vector<std::string> violations_;
  std::uint64_t fresh_ = 0;
};

// Byzantine behaviours for the tests, through the core's hooks.
class SilentHooks : public ConsensusHooks {
 public:
  void SignVote(const Vote&, std::vector<Vote>&) override {}
  void SignProposal(const Proposal&, std::vector<Proposal>&) override {}
};

// Signs every vote twice (the honest one and one for a block of its own making) and proposes
// two different valid blocks; optionally the second proposal is an invalid block.
class EquivocatorHooks : public ConsensusHooks {
 public:
  EquivocatorHooks(Harness* h, bool invalid_proposals) : h_(h), invalid_(invalid_proposals) {}
  void SignVote(const Vote& honest, std::vector<Vote>& sent) override {
    sent.push_back(honest);
    Vote other = honest;
    other.block_id = h_->FreshBlock(true);
    sent.push_back(other);
  }
  void SignProposal(const Proposal& honest, std::vector<Proposal>& sent) override {
    sent.push_back(honest);
    Proposal other = honest;
    other.block_id = h_->FreshBlock(!invalid_);
    other.pol_round = -1;
    sent.push_back(other);
  }

 private:
  Harness* h_;
  bool invalid_;
};

}  // namespace peerlab::tendermint::testing
