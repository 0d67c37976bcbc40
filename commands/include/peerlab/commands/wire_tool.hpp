// `peerlab wire decode|encode`: Bitcoin P2P byte streams to JSON lines and back, through the
// protocol layer's wire codec (docs/wire-format.md). Exit status 0 ok, 2 bad input.
#pragma once

namespace peerlab::commands {

// argv[1] is "wire"; argv[2] the subcommand.
int WireMain(int argc, char** argv);

}  // namespace peerlab::commands
