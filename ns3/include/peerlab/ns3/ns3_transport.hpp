// The ns-3 backend (`network.backend: ns3`): a sim::Transport that carries every message of an
// ordinary connection as its bytes over an ns-3 TCP connection (PacketNetwork), whatever the
// protocol family, and runs the engine's own events on ns-3's clock. No ns-3 type appears
// here.
#pragma once

#include <memory>

#include "peerlab/sim/network_spec.hpp"
#include "peerlab/sim/transport.hpp"

namespace peerlab::ns3net {

std::unique_ptr<sim::Transport> MakeNs3Transport(const sim::NetworkSpec& config);

}  // namespace peerlab::ns3net
