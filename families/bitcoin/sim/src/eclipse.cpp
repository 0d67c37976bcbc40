// Simulation: eclipse attacks (Heilman et al. 2015; strategy kind `eclipse`).
//
// The engine gives each attacking group (one node) `attack_addresses` IPv4 addresses in
// `attack_address_groups` /16 groups where no node lives, maps every one of them to the
// attacker's node (engine aliases, beside the node-address bijection), and draws trash addresses
// where nobody listens. Every attack_connect_interval it opens a connection from the attacker
// to the victim that the victim sees coming from the next of those addresses (keeping at most
// attack_connections open, the oldest closed first); the attacker's node floods each such
// connection with addr messages. The victim goes down at restart_at and comes back a downtime
// later; from then on a watch checks every second whether all its outbound connections lead
// to the attacker.
#include <algorithm>

#include "peerlab/bitcoin/sim/simulation.hpp"
#include "peerlab/bitcoin/rng_purposes.hpp"

namespace peerlab::sim {
namespace {

// Addresses drawn until `count` distinct ones satisfy `fits`, sorted.
template <typename Fits>
std::vector<bitcoin::NetAddress> DrawDistinct(std::size_t count, Rng& rng,
                                               std::uint64_t bound, std::uint64_t offset,
                                               const Fits& fits) {
  std::vector<bitcoin::NetAddress> out;
  out.reserve(count);
  while (out.size() < count) {
    const auto a = static_cast<bitcoin::NetAddress>(offset + rng.Below(bound));
    if (!fits(a)) continue;
    const auto at = std::lower_bound(out.begin(), out.end(), a);
    if (at != out.end() && *at == a) continue;
    out.insert(at, a);
  }
  return out;
}

template <typename T>
void Shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.Below(i)]);
}

}  // namespace

Status Simulation::SetUpEclipse() {
  const std::uint32_t n = node_count();
  std::vector<std::uint16_t> taken;  // /16 groups with a node or an earlier attacker in them
  for (std::uint32_t i = 0; i < n; ++i) {
    taken.push_back(static_cast<std::uint16_t>(bitcoin::NetGroup(AddressOf(i))));
  }
  taken.push_back(0);  // 0.x.x.x is not routable
  std::sort(taken.begin(), taken.end());
  auto is_taken = [&](std::uint32_t g) {
    return std::binary_search(taken.begin(), taken.end(), g);
  };

  for (std::uint32_t g = 0; g < config_.groups.size(); ++g) {
    bitcoin::StrategyConfig& spec = config_.groups[g].strategy;
    if (spec.kind != bitcoin::StrategyKind::kEclipse) continue;
    const std::string where = "groups." + config_.groups[g].name + ".strategy";
    if (group_nodes_[g].size() != 1) {
      return Status::Error(where + ": an eclipse group must be one node");
    }
    if (spec.victim >= n) {
      return Status::Error(where + ".victim: no node " + std::to_string(spec.victim) +
                           " (network.nodes is " + std::to_string(n) + ")");
    }
    if (node_group_[spec.victim] == g) {
      return Status::Error(where + ".victim: in the attacking group");
    }
    if (spec.attack_address_groups == 0 || spec.attack_address_groups > 4096 ||
        spec.attack_addresses < spec.attack_address_groups ||
        spec.attack_addresses > std::uint64_t{spec.attack_address_groups} * 65534) {
      return Status::Error(where + ": addresses must fill 1 to 65534 per address group");
    }
    spec.victim_address = AddressOf(spec.victim);
    EclipseAttack attack{g,  group_nodes_[g][0], spec.victim, {}, 0, {}, false, -1,
                         {}, {}, {}, 0, 0};
    Rng rng(config_.seed, g, bitcoin::rng_purpose::kEclipseAddresses);
    // The attacker's /16 groups, then its addresses spread evenly over them (hosts .1 - .254
    // of the last two bytes are all allowed: 65534 per group).
    std::vector<std::uint32_t> prefixes;
    while (prefixes.size() < spec.attack_address_groups) {
      const auto prefix = static_cast<std::uint32_t>(rng.Below(65536));
      if (is_taken(prefix)) continue;
      taken.insert(std::upper_bound(taken.begin(), taken.end(), prefix),
                   static_cast<std::uint16_t>(prefix));
      prefixes.push_back(prefix);
    }
    for (std::size_t k = 0; k < prefixes.size(); ++k) {
      const std::size_t count = spec.attack_addresses / prefixes.size() +
                                (k < spec.attack_addresses % prefixes.size() ? 1 : 0);
      const auto hosts = DrawDistinct(count, rng, 65534, (std::uint64_t{prefixes[k]} << 16) + 1,
                                      [](bitcoin::NetAddress) { return true; });
      attack.addresses.insert(attack.addresses.end(), hosts.begin(), hosts.end());
    }
    engine_->AddAliases(attack.attacker, attack.addresses);
    Shuffle(attack.addresses, rng);  // the order the attacker uses them in
    config_.outages.push_back({spec.victim, spec.restart_at, spec.restart_downtime});
    attacks_.push_back(std::move(attack));
  }
  return Status::Ok();
}

void Simulation::StartEclipse() {
  for (std::uint32_t i = 0; i < attacks_.size(); ++i) {
    EclipseAttack& a = attacks_[i];
    const bitcoin::StrategyConfig& spec = config_.groups[a.group].strategy;
    // Trash: addresses where nobody listens (no node's, no attacker's), in random groups.
    Rng rng(config_.seed, (std::uint64_t{1} << 32) | a.group, bitcoin::rng_purpose::kEclipseAddresses);
    std::vector<bitcoin::NetAddress> flood = DrawDistinct(
        spec.trash_addresses, rng, std::uint64_t{1} << 32, 0,
        [&](bitcoin::NetAddress t) {
          return bitcoin::NetGroup(t) != 0 && NodeOf(t) == node_count();
        });
    flood.insert(flood.end(), a.addresses.begin(), a.addresses.end());
    Shuffle(flood, rng);
    nodes_[a.attacker].SetFloodAddresses(std::move(flood));
    engine_->PushLifecycle(spec.attack_connect_interval, i, kAttack);
  }
}

void Simulation::AttackTick(std::uint32_t index) {
  EclipseAttack& a = attacks_[index];
  const bitcoin::StrategyConfig& spec = config_.groups[a.group].strategy;
  engine_->PushLifecycle(now() + spec.attack_connect_interval, index, kAttack);
  // Nobody to connect to while it is down, or on the other side of a drop partition.
  if (!IsOnline(a.victim) || engine_->CrossingBlocked(a.attacker, a.victim)) return;
  // Attack links the victim (or a failure) closed are gone; a reused slot is not ours.
  std::erase_if(a.open, [&](bitcoin::PeerId slot) {
    return !engine_->IsOpen(a.attacker, slot) || engine_->IsInbound(a.attacker, slot) ||
           engine_->peer_node(a.attacker, slot) != a.victim;
  });
  while (a.open.size() >= spec.attack_connections && !a.open.empty()) {
    engine_->Disconnect(a.attacker, a.open.front());
    a.open.erase(a.open.begin());
  }
  const bitcoin::NetAddress from = a.addresses[a.next_address];
  a.next_address = (a.next_address + 1) % a.addresses.size();
  const auto [attacker_slot, victim_slot] =
      engine_->OpenLink(a.attacker, a.victim, ConnectionKind{});
  engine_->SetAlias(a.victim, victim_slot, from);
  a.open.push_back(attacker_slot);
  ++a.connections;
}

void Simulation::NoteConnectToAttacker(std::uint32_t node, std::uint32_t target) {
  // Writes only an attack on this node (shards dial at the same time).
  for (EclipseAttack& a : attacks_) {
    if (a.victim == node && a.attacker == target) ++a.victim_connects;
  }
}

void Simulation::OnVictimOffline(std::uint32_t node) {
  for (EclipseAttack& a : attacks_) {
    if (a.victim != node || a.victim_back) continue;
    // What the attack achieved in the victim's address manager before the restart.
    std::uint32_t total[2] = {0, 0}, ours[2] = {0, 0}, trash_new = 0;
    for (const bitcoin::AddrMan::Info& info : nodes_[node].addrman().entries()) {
      const std::uint32_t owner = NodeOf(info.address);
      ++total[info.tried];
      ours[info.tried] += owner < node_count() && node_group_[owner] == a.group;
      trash_new += !info.tried && owner == node_count();
    }
    if (total[0] > 0) {
      a.share_new = static_cast<double>(ours[0]) / total[0];
      a.trash_new = static_cast<double>(trash_new) / total[0];
    }
    if (total[1] > 0) a.share_tried = static_cast<double>(ours[1]) / total[1];
  }
}

void Simulation::OnVictimBack(std::uint32_t node) {
  for (std::uint32_t i = 0; i < attacks_.size(); ++i) {
    if (attacks_[i].victim != node || attacks_[i].victim_back) continue;
    attacks_[i].victim_back = true;
    engine_->PushLifecycle(now() + kSecond, i, kWatch);
  }
}

void Simulation::WatchEclipse(std::uint32_t index) {
  EclipseAttack& a = attacks_[index];
  if (a.eclipsed_at >= 0 || !IsOnline(a.victim)) return;
  const bitcoin::Node& victim = nodes_[a.victim];
  std::uint32_t full = 0, block_relay = 0, ours = 0;
  for (bitcoin::PeerId p = 0; p < connection_slots(a.victim); ++p) {
    // Feelers never complete the handshake: established outbound ones are the real ones.
    if (!victim.IsOutbound(p) || !victim.IsEstablished(p)) continue;
    ++(victim.IsBlockRelayOnly(p) ? block_relay : full);
    ours += node_group_[engine_->peer_node(a.victim, p)] == a.group;
  }
  if (full == config_.node.target_outbound && block_relay == config_.node.target_block_relay_only &&
      ours == full + block_relay) {
    a.eclipsed_at = now();
    return;
  }
  engine_->PushLifecycle(now() + kSecond, index, kWatch);
}

std::vector<bitcoin::NetAddress> Simulation::eclipse_addresses(std::uint32_t group) const {
  for (const EclipseAttack& a : attacks_) {
    if (a.group == group) return a.addresses;
  }
  return {};
}

void Simulation::ReportEclipse(std::uint32_t group, AdversaryReport& r) const {
  for (const EclipseAttack& a : attacks_) {
    if (a.group != group) continue;
    const bitcoin::StrategyConfig& spec = config_.groups[group].strategy;
    r.victim = a.victim;
    r.restart_at_s = ToSeconds(spec.restart_at);
    if (a.eclipsed_at >= 0) r.eclipsed_at_s = ToSeconds(a.eclipsed_at);
    const bitcoin::Node& victim = nodes_[a.victim];
    std::uint32_t ours = 0;
    for (bitcoin::PeerId p = 0; p < connection_slots(a.victim); ++p) {
      if (!victim.IsOutbound(p) || !victim.IsEstablished(p)) continue;
      ++r.victim_outbound;
      ours += node_group_[engine_->peer_node(a.victim, p)] == group;
    }
    if (r.victim_outbound > 0) {
      r.victim_outbound_attacker_share = static_cast<double>(ours) / r.victim_outbound;
    }
    r.addrman_attacker_share_new = a.share_new;
    r.addrman_attacker_share_tried = a.share_tried;
    r.addrman_trash_share_new = a.trash_new;
    r.attacker_connections = a.connections;
    r.victim_connections_to_attacker = a.victim_connects;
    r.flood_messages = nodes_[a.attacker].strategy_stats()->flood_messages;
  }
}

}  // namespace peerlab::sim
