// `peerlab theory`: numbers from attack theory without running a simulation (docs/theory.md).
// Exit status 0 ok, 2 bad input.
#pragma once

namespace peerlab::commands {

// argv[1] is "theory"; argv[2] the subcommand.
int TheoryMain(int argc, char** argv);

}  // namespace peerlab::commands
