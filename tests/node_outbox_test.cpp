// The node's outputs and its private layout: the Outbox sizes every message as it is queued
// (one place sets wire_bytes), and the node's internal parts stay internal.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mini_net.hpp"

namespace peerlab::testing {
namespace {

using bitcoin::Message;
using bitcoin::MessageId;
using bitcoin::MsgType;

TEST(Outbox, SendMessageSetsTheExactWireSize) {
  bitcoin::BlockStore store(MiniNet::Genesis(), 285);
  bitcoin::TxStore txs;
  const bitcoin::TxHandle tx = txs.Add(226, 1000, 0, 0, 0, 1);
  bitcoin::MessagePool pool;
  bitcoin::Outbox out(pool);
  out.SizeWith(store, txs);

  MessageId locator_id;
  Message& locator = out.NewMessage(MsgType::kGetHeaders, &locator_id);
  for (int i = 0; i < 3; ++i) locator.SetBlocks().push_back(bitcoin::kGenesis);
  EXPECT_EQ(locator.wire_bytes, 0u);  // nothing is sized before it is queued
  out.SendMessage(1, locator_id);
  // Frame 24 + version 4 + count 1 + three hashes + hash_stop.
  EXPECT_EQ(pool.Get(locator_id).wire_bytes, 24u + 4 + 1 + 3 * 32 + 32);

  MessageId block_id;
  out.NewMessage(MsgType::kBlock, &block_id).block = bitcoin::kGenesis;
  out.SendMessage(2, block_id);
  EXPECT_EQ(pool.Get(block_id).wire_bytes, 24u + 285);  // the block's size from the store

  MessageId tx_id;
  out.NewMessage(MsgType::kTx, &tx_id).SetTxs().push_back(tx);
  out.SendMessage(2, tx_id);
  EXPECT_EQ(pool.Get(tx_id).wire_bytes, 24u + 226);  // the transaction's size from its store

  ASSERT_EQ(out.sends.size(), 3u);
  EXPECT_EQ(out.sends[0].peer, 1u);
  EXPECT_EQ(out.sends[2].message, tx_id);
}

// Every message nodes send, of every kind a compact-relay exchange with transactions uses,
// leaves the outbox with the size WireSize gives it.
TEST(Outbox, EveryNodeMessageIsSized) {
  MiniNet net(3, bitcoin::RelayMode::kCompact, 50 * kMillisecond, /*tx_relay=*/true);
  net.Connect(0, 1);
  net.Connect(1, 2);
  net.Settle();
  net.SubmitTx(0, 250, 5000);
  net.SubmitTx(2, 300, 9000);
  net.Settle();
  net.Mine(0);
  net.Settle();
  net.SubmitTx(1, 400, 7000);
  net.Mine(2);
  net.Settle();
  std::vector<bool> seen(bitcoin::kMsgTypeCount, false);
  for (const Message* m : net.sent()) {
    EXPECT_GT(m->wire_bytes, bitcoin::kFrameHeaderBytes - 1) << bitcoin::CommandName(m->type);
    EXPECT_EQ(m->wire_bytes, bitcoin::WireSize(*m, net.store(), net.txs()))
        << bitcoin::CommandName(m->type);
    seen[static_cast<std::size_t>(m->type)] = true;
  }
  for (MsgType t : {MsgType::kVersion, MsgType::kVerack, MsgType::kSendCmpct, MsgType::kInv,
                    MsgType::kGetData, MsgType::kTx, MsgType::kCmpctBlock}) {
    EXPECT_TRUE(seen[static_cast<std::size_t>(t)]) << bitcoin::CommandName(t);
  }
}

// detail/node_parts.hpp is the node's private layout: only node.hpp, the node's own .cpp
// files and its strategies (strategy_hooks.hpp, families/bitcoin/src/strategies/) may include
// it or name peerlab::bitcoin::detail.
TEST(Outbox, NodePartsStayInternal) {
  namespace fs = std::filesystem;
  const fs::path root(PEERLAB_SOURCE_DIR);
  std::vector<std::string> offenders;
  for (const char* dir : {"families", "sim", "scenario", "results", "apps", "python", "testbed",
                          "ns3", "tests", "bench", "analysis", "util"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      const fs::path& path = entry.path();
      const auto ext = path.extension();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".cc")) continue;
      const std::string name = path.filename().string();
      const std::string rel = fs::relative(path, root).string();
      const bool node_file =
          (rel.starts_with("families/bitcoin/src/") && name.starts_with("node")) ||
          rel.starts_with("families/bitcoin/src/strategies/") ||
          rel == "families/bitcoin/include/peerlab/bitcoin/node.hpp" ||
          rel == "families/bitcoin/include/peerlab/bitcoin/strategy_hooks.hpp" ||
          rel == "families/bitcoin/include/peerlab/bitcoin/detail/node_parts.hpp" ||
          rel == "tests/node_outbox_test.cpp";
      if (node_file) continue;
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      const std::string s = text.str();
      if (s.find("#include \"peerlab/bitcoin/detail/") != std::string::npos ||
          s.find("bitcoin::detail::") != std::string::npos ||
          s.find("using namespace detail") != std::string::npos) {
        offenders.push_back(rel);
      }
    }
  }
  EXPECT_TRUE(offenders.empty()) << ::testing::PrintToString(offenders);
}

}  // namespace
}  // namespace peerlab::testing
