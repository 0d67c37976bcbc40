// Engine: nodes going offline and coming back (scheduled outages, churn), connections failing
// at random, and the lifecycle events that drive them (a family's own lifecycle codes, such as
// Bitcoin's eclipse attack ticks, are handed to it).
//
// Going offline closes every connection of the node at once (its peers hear of it one latency
// later, as from a clean shutdown) and bumps its incarnation so that the timers it armed die;
// the family drops whatever reaches an offline node (Engine::IsOnline) and restarts the node
// when it is back (Protocol::OnOnline). The only cost on the per-message path is the family's
// test of Engine::IsOnline (one load of the offline count).
#include <algorithm>
#include <cmath>

#include "peerlab/sim/engine.hpp"
#include "peerlab/sim/rng_purposes.hpp"

namespace peerlab::sim {
namespace {

DurationNs DrawLifetime(const LifetimeSpec& spec, Rng& rng) {
  const double mean = static_cast<double>(spec.mean);
  double v = 0;
  switch (spec.kind) {
    case LifetimeKind::kExponential:
      v = rng.Exponential(mean);
      break;
    case LifetimeKind::kWeibull: {
      // Inverse CDF; the scale makes the mean come out as asked: mean / Gamma(1 + 1/shape).
      const double scale = mean / std::tgamma(1.0 + 1.0 / spec.shape);
      v = scale * std::pow(-std::log(rng.UniformOpenZero()), 1.0 / spec.shape);
      break;
    }
  }
  // Saturating: a Weibull shape of 0.1 draws up to 10^9 times its mean.
  return std::max<DurationNs>(1, SaturatingNs(v));
}

}  // namespace

Status Engine::SetUpLifecycle(const std::vector<bool>& may_churn, bool family_lifecycle) {
  const std::uint32_t n = node_count();
  const ChurnSpec& churn = spec_.churn;
  lifecycle_ = !spec_.outages.empty() || churn.share > 0 || family_lifecycle;
  if (lifecycle_) {
    offline_.assign(n, 0);
    incarnation_.assign(n, 0);
  }
  // Scheduled outages: one at a time per node.
  std::vector<OutageSpec> outages = spec_.outages;
  std::sort(outages.begin(), outages.end(), [](const OutageSpec& a, const OutageSpec& b) {
    return a.node != b.node ? a.node < b.node : a.at < b.at;
  });
  for (std::size_t i = 0; i < outages.size(); ++i) {
    const OutageSpec& o = outages[i];
    if (o.node >= n || o.at < 0 || o.downtime <= 0) {
      return Status::Error("outage of node " + std::to_string(o.node) +
                           ": no such node or bad time");
    }
    if (i > 0 && outages[i - 1].node == o.node &&
        outages[i - 1].at + outages[i - 1].downtime >= o.at) {
      return Status::Error("outages of node " + std::to_string(o.node) + " overlap");
    }
  }
  for (const OutageSpec& o : spec_.outages) {  // file order: events keep their sequence
    PushLifecycle(o.at, o.node, kGoOffline);
    PushLifecycle(o.at + o.downtime, o.node, kComeBack);
  }

  // Churning nodes: a seeded shuffle of the eligible ones, the first `share` of them.
  churn_slot_.assign(n, UINT32_MAX);
  if (churn.share > 0) {
    std::vector<bool> excluded(n, false);
    for (const OutageSpec& o : spec_.outages) excluded[o.node] = true;
    std::vector<std::uint32_t> eligible;
    for (std::uint32_t i = 0; i < n; ++i) {
      if (!excluded[i] && may_churn[i]) eligible.push_back(i);
    }
    Rng pick(spec_.seed, 0, sim::rng_purpose::kChurn);
    for (std::size_t i = eligible.size(); i > 1; --i) {
      std::swap(eligible[i - 1], eligible[pick.Below(i)]);
    }
    const auto count = static_cast<std::size_t>(
        std::llround(churn.share * static_cast<double>(eligible.size())));
    eligible.resize(std::min(count, eligible.size()));
    std::sort(eligible.begin(), eligible.end());
    for (std::uint32_t node : eligible) {
      churn_slot_[node] = static_cast<std::uint32_t>(churn_rng_.size());
      churn_rng_.emplace_back(spec_.seed, node + 1, sim::rng_purpose::kChurn);
      PushLifecycle(DrawLifetime(churn.session, churn_rng_.back()), node, kGoOffline);
    }
  }
  if (churn.link_failures_per_hour > 0) ScheduleLinkFailure();
  return Status::Ok();
}

void Engine::OnLifecycle(const Event& e) {
  const std::uint32_t node = e.a;
  switch (e.b) {
    case kGoOffline:
      TakeOffline(node);
      if (churn_slot_[node] != UINT32_MAX) {
        ++departures_;
        const DurationNs down = DrawLifetime(spec_.churn.downtime, churn_rng_[churn_slot_[node]]);
        PushLifecycle(SaturatingAdd(ctx().now, down), node, kComeBack);
      }
      break;
    case kComeBack:
      BringOnline(node);
      if (churn_slot_[node] != UINT32_MAX) {
        ++arrivals_;
        const DurationNs up = DrawLifetime(spec_.churn.session, churn_rng_[churn_slot_[node]]);
        PushLifecycle(SaturatingAdd(ctx().now, up), node, kGoOffline);
      }
      break;
    case kLinkFailure:
      FailRandomLink();
      ScheduleLinkFailure();
      break;
    default:
      protocol_->OnFamilyLifecycle(e);
      break;
  }
}

void Engine::TakeOffline(std::uint32_t node) {
  PEERLAB_ASSERT(offline_[node] == 0);
  protocol_->OnOffline(node);  // before its connections close (an eclipse victim is measured)
  for (Slot p = 0; p < peers_[node].size(); ++p) {
    PeerLink& link = peers_[node][p];
    if (!link.open) continue;
    link.open = false;
    ++counters().disconnects;
    DropUnsentData(node, p);  // as CloseLink does
    // The peer's end closes now and hears one latency later; a peer that has not heard of the
    // connection yet finds it closed when it does (its PeerUp frees the slot), as in CloseLink.
    CloseRemoteEnd(node, p, true);
    // This end: the node will learn at Restart that everything is gone; a slot it has not heard
    // of yet is freed by its PeerUp (or SYN-ACK).
    if (link.known) FreeSlot(node, p);
  }
  offline_[node] = 1;
  ++offline_count_;
  ++incarnation_[node];
}

void Engine::BringOnline(std::uint32_t node) {
  PEERLAB_ASSERT(offline_[node] != 0);
  offline_[node] = 0;
  --offline_count_;
  protocol_->OnOnline(node);
}

void Engine::ScheduleLinkFailure() {
  // A network-wide Poisson process at `rate` per open connection, its rate taken from the
  // connections open now (nearly constant once the network has formed).
  std::uint64_t open = 0;
  for (std::uint32_t i = 0; i < node_count(); ++i) open += open_outbound(i);
  const double per_ns = spec_.churn.link_failures_per_hour *
                        static_cast<double>(std::max<std::uint64_t>(open, 1)) /
                        static_cast<double>(kHour);
  // Saturating: a rate of 1e-300 per hour means never (an infinite or NaN gap).
  const DurationNs gap = SaturatingNs(link_failure_rng_.Exponential(1.0 / per_ns));
  PushLifecycle(SaturatingAdd(ctx().now, std::max<DurationNs>(1, gap)), 0, kLinkFailure);
}

void Engine::FailRandomLink() {
  // Every connection counted once, at the end that opened it; rushing links are not failed.
  std::uint64_t open = 0;
  for (std::uint32_t i = 0; i < node_count(); ++i) {
    for (const PeerLink& l : peers_[i]) open += l.open && !l.inbound && !l.dedicated;
  }
  if (open == 0) return;
  std::uint64_t k = link_failure_rng_.Below(open);
  for (std::uint32_t i = 0; i < node_count(); ++i) {
    for (Slot p = 0; p < peers_[i].size(); ++p) {
      const PeerLink& l = peers_[i][p];
      if (!l.open || l.inbound || l.dedicated) continue;
      if (k-- == 0) {
        ++link_failures_;
        Disconnect(i, p);
        return;
      }
    }
  }
}

ChurnReport Engine::ReportChurn() const {
  ChurnReport c;
  c.nodes = static_cast<std::uint32_t>(churn_rng_.size());
  c.departures = departures_;
  c.arrivals = arrivals_;
  c.link_failures = link_failures_;
  c.offline_at_end = offline_count_;
  return c;
}

}  // namespace peerlab::sim
