// `peerlab wire mine|check-block`: real blocks of a built-in chain as hex lines (see
// wire_chain.cpp). Exit status 0 ok, 2 bad input or a block that fails its checks.
#pragma once

namespace peerlab::commands {

// argv[1] is "wire"; argv[2] is "mine" or "check-block".
int WireChainMain(int argc, char** argv);

}  // namespace peerlab::commands
