// Inbound eviction: which inbound peer a full node drops to make room for a new one, after
// Bitcoin Core's SelectNodeToEvict (net.cpp, 0.21 / 22.0).
//
// Peers that are hard for an attacker to imitate are protected first: the 4 with the highest
// keyed network-group hash (an attacker cannot choose which groups win), 8 with the lowest ping, 4 that most recently sent new transactions, up to 8
// transaction-less (block-relay) peers that most recently sent new blocks, 4 that most recently
// sent new blocks, then half of the rest by uptime. Of what remains, the network group with the
// most connections loses its youngest member (ties: the group whose youngest is youngest).
// Core's extra protections for onion, I2P and localhost peers do not apply (IPv4 only).
//
// Every comparison falls back to connection time and then peer id, so the choice is a pure
// function of the candidates (Core's std::sort leaves ties unspecified).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "peerlab/bitcoin/address.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::bitcoin {

struct EvictionCandidate {
  PeerId peer = 0;
  TimeNs connected_at = 0;
  DurationNs min_ping = -1;     // -1: never measured (sorts as the slowest)
  TimeNs last_block_time = -1;  // last new block it sent us; -1: never
  TimeNs last_tx_time = -1;     // last new transaction it sent us; -1: never
  std::uint64_t keyed_net_group = 0;  // keyed hash of its network group (Core: nKeyedNetGroup)
  bool relays_txs = false;      // it asked for transactions (version relay flag)
};

// The peer to evict, or nothing when every candidate is protected. `candidates` is taken by
// value and reordered.
std::optional<PeerId> SelectPeerToEvict(std::vector<EvictionCandidate> candidates);

}  // namespace peerlab::bitcoin
