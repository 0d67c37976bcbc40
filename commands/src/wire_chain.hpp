// `peerlab wire mine|check-block`: real blocks of a built-in chain as hex lines (see
// wire_chain.cpp). Exit status 0 ok, 2 bad input or a block that fails its checks. Private to
// commands: `peerlab wire` (wire_tool.cpp) registers these subcommands beside its own.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace peerlab::commands {

struct MineArgs {
  std::string chain;
  std::uint32_t blocks = 1;
  std::int64_t time = -1;  // header time of block 0; -1: the genesis time
  std::string script_hex;  // empty: MineRealBlock's default (OP_TRUE)
};

struct CheckBlockArgs {
  std::string chain;
  std::string file = "-";
};

// Add the subcommand with its options to `wire`, storing what is given in `args`.
CLI::App* AddMineCommand(CLI::App& wire, MineArgs& args);
CLI::App* AddCheckBlockCommand(CLI::App& wire, CheckBlockArgs& args);

// Run the subcommand on parsed, validated arguments; the exit status.
int Mine(const MineArgs& args);
int CheckBlocks(const CheckBlockArgs& args);

}  // namespace peerlab::commands
