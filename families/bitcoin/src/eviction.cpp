#include "peerlab/bitcoin/eviction.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>

namespace peerlab::bitcoin {
namespace {

using Candidate = EvictionCandidate;

// Every comparator below is a strict "less protected first" order, as in Core: a sorted range
// ends with the peers most worth keeping.

// Core's common secondary key: among otherwise equal peers the newer connection is the cheaper
// one to lose. Core stops there and lets std::sort decide; the peer id makes the order total.
bool YoungerFirst(const Candidate& a, const Candidate& b) {
  if (a.connected_at != b.connected_at) return a.connected_at > b.connected_at;
  return a.peer > b.peer;
}

bool ByNetGroup(const Candidate& a, const Candidate& b) {
  if (a.keyed_net_group != b.keyed_net_group) return a.keyed_net_group < b.keyed_net_group;
  return YoungerFirst(a, b);
}

// An unmeasured ping must not earn protection, so it ranks behind every measured one.
DurationNs PingKey(const Candidate& c) {
  return c.min_ping < 0 ? std::numeric_limits<DurationNs>::max() : c.min_ping;
}

bool BySlowerPing(const Candidate& a, const Candidate& b) {
  const DurationNs pa = PingKey(a);
  const DurationNs pb = PingKey(b);
  if (pa != pb) return pa > pb;
  return YoungerFirst(a, b);
}

// -1 ("never") is below every real time, so it already sorts as the oldest.
bool ByTxTime(const Candidate& a, const Candidate& b) {
  if (a.last_tx_time != b.last_tx_time) return a.last_tx_time < b.last_tx_time;
  // Many peers have sent no transaction yet; one that never asked for any is the cheaper loss.
  if (a.relays_txs != b.relays_txs) return !a.relays_txs;
  return YoungerFirst(a, b);
}

// Transaction relayers sort first so the protected tail holds block-relay peers when there are
// any (Core's CompareNodeBlockRelayOnlyTime).
bool ByBlockRelayOnlyTime(const Candidate& a, const Candidate& b) {
  if (a.relays_txs != b.relays_txs) return a.relays_txs;
  if (a.last_block_time != b.last_block_time) return a.last_block_time < b.last_block_time;
  return YoungerFirst(a, b);
}

bool ByBlockTime(const Candidate& a, const Candidate& b) {
  if (a.last_block_time != b.last_block_time) return a.last_block_time < b.last_block_time;
  return YoungerFirst(a, b);
}

bool IsBlockRelayOnly(const Candidate& c) { return !c.relays_txs; }
bool Always(const Candidate&) { return true; }

// Core's EraseLastKElements: of the k most protected under `less`, drop those matching
// `protect`. Only membership of the top k matters, so a selection replaces Core's full sort.
template <typename Less, typename Pred>
void ProtectTop(std::vector<Candidate>& c, std::size_t k, Less less, Pred protect) {
  const std::size_t take = std::min(k, c.size());
  if (take == 0) return;
  const auto first_protected = c.end() - static_cast<std::ptrdiff_t>(take);
  if (take < c.size()) std::nth_element(c.begin(), first_protected, c.end(), less);
  c.erase(std::remove_if(first_protected, c.end(), protect), c.end());
}

}  // namespace

std::optional<PeerId> SelectPeerToEvict(std::vector<EvictionCandidate> candidates) {
  // The attacker cannot predict which keyed groups come out on top.
  ProtectTop(candidates, 4, ByNetGroup, Always);
  // Latency cannot be faked without moving hosts closer to us.
  ProtectTop(candidates, 8, BySlowerPing, Always);
  // New transactions and blocks cost the sender real work.
  ProtectTop(candidates, 4, ByTxTime, Always);
  ProtectTop(candidates, 8, ByBlockRelayOnlyTime, IsBlockRelayOnly);
  ProtectTop(candidates, 4, ByBlockTime, Always);
  // Keeping the longest-lived half reproduces life without eviction and defeats attacks that
  // start after we are well connected.
  ProtectTop(candidates, candidates.size() / 2, YoungerFirst, Always);
  if (candidates.empty()) return std::nullopt;

  // Groups become contiguous runs with each run's youngest member first; sorting in place avoids
  // Core's map of per-group vectors.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.keyed_net_group != b.keyed_net_group) return a.keyed_net_group < b.keyed_net_group;
    return YoungerFirst(a, b);
  });
  const Candidate* victim = nullptr;
  std::size_t victim_group_size = 0;
  for (std::size_t begin = 0; begin < candidates.size();) {
    std::size_t end = begin + 1;
    while (end < candidates.size() &&
           candidates[end].keyed_net_group == candidates[begin].keyed_net_group) {
      ++end;
    }
    const std::size_t size = end - begin;
    const Candidate& youngest = candidates[begin];
    // Core breaks equal sizes by the younger youngest member; YoungerFirst adds the id so that
    // equal ages cannot leave the choice to iteration order.
    if (victim == nullptr || size > victim_group_size ||
        (size == victim_group_size && YoungerFirst(youngest, *victim))) {
      victim = &youngest;
      victim_group_size = size;
    }
    begin = end;
  }
  return victim->peer;
}

}  // namespace peerlab::bitcoin
