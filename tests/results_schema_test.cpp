// The results schema (results/tables.hpp, table_reader.hpp, summary.hpp): the contract's
// headers, rows that read back by column name, appended tables, and summary.json's order.
#include <gtest/gtest.h>

#include <string>

#include "peerlab/analysis/graph.hpp"
#include "peerlab/results/summary.hpp"
#include "peerlab/results/table_reader.hpp"
#include "peerlab/results/tables.hpp"

namespace peerlab::results {
namespace {

TEST(ResultsSchema, HeadersAreTheContract) {
  // docs/design.md §6 and docs/testbed.md: users' scripts rely on these exact lines.
  EXPECT_EQ(TableHeader<NodeRow>(), "node,region,as,group,hashrate,online\n");
  EXPECT_EQ(TableHeader<EdgeRow>(), "source,target,type\n");
  EXPECT_EQ(TableHeader<BlockRow>(),
            "id,height,parent,miner_group,miner_node,mined_at_s,main_chain,size_bytes,"
            "reach_50_s,reach_90_s,reach_99_s,reach_100_s,partition_side\n");
  EXPECT_EQ(TableHeader<TransactionRow>(),
            "id,class,origin_node,created_at_s,size_bytes,fee_sat,reach_50_s,reach_90_s,"
            "included_height,inclusion_delay_s,inclusion_delay_blocks\n");
  EXPECT_EQ(TableHeader<TestbedNodeRow>(),
            "node,region,as,group,hashrate,online,address,mine_mean_s,tip_height,exit\n");
  EXPECT_EQ(TableHeader<DaemonBlockRow>(),
            "id,height,parent,miner,mined_at_s,accepted_at_s,accepted_unix_s,size_bytes\n");
  EXPECT_EQ(TableHeader<DaemonPeerRow>(),
            "closed_at_s,peer,address,direction,handshake,misbehavior,bytes_in,bytes_out,"
            "connected_s,reason\n");
  static_assert(ColumnIndex(BlockRow::kColumns, "partition_side") == 12);
}

TEST(ResultsSchema, RowsWriteNullsAsEmptyFields) {
  Table<BlockRow> table;
  table.Add({.id = "ab", .height = 3, .parent = "cd", .miner_group = "honest", .miner_node = 7,
             .mined_at_s = 1.5, .main_chain = true, .size_bytes = 900,
             .reach_s = {0.25, 0.5, std::nullopt, std::nullopt}, .partition_side = 1});
  BlockRow unknown_miner;  // the testbed's block whose miner's table is missing
  unknown_miner.id = "ef";
  unknown_miner.height = 4;
  unknown_miner.parent = "ab";
  table.Add(unknown_miner);
  const std::string header = TableHeader<BlockRow>();
  EXPECT_EQ(table.text(), header + "ab,3,cd,honest,7,1.5,true,900,0.25,0.5,,,1\n" +
                              "ef,4,ab,,,,false,0,,,,,\n");
  // An appended row is the same line, without the header.
  EXPECT_EQ(TableLine(unknown_miner), "ef,4,ab,,,,false,0,,,,,\n");
}

TEST(ResultsSchema, ATableReadsBackByColumnName) {
  Table<TestbedNodeRow> table;
  table.Add({.node = {.node = 0, .region = "europe", .as = 12, .group = "g", .hashrate = 0.25,
                      .online = false},
             .address = "127.0.1.1:18444", .mine_mean_s = 600, .tip_height = std::nullopt,
             .exit = "signal 9"});
  // A reader of the simulator's columns finds them in the testbed's wider table.
  CsvReader reader(table.text(), "nodes.csv", NodeRow::kColumns);
  ASSERT_TRUE(reader.Next()) << reader.status().message();
  EXPECT_EQ(reader[ColumnIndex(NodeRow::kColumns, "region")], "europe");
  EXPECT_EQ(reader[ColumnIndex(NodeRow::kColumns, "as")], "12");
  EXPECT_EQ(reader[ColumnIndex(NodeRow::kColumns, "hashrate")], "0.25");
  EXPECT_EQ(reader[ColumnIndex(NodeRow::kColumns, "online")], "false");
  EXPECT_FALSE(reader.Next());
  EXPECT_TRUE(reader.status().ok());
  // And so does analysis (extra columns skipped).
  auto nodes = analysis::ParseNodeAttributes(table.text(), "nodes.csv");
  ASSERT_TRUE(nodes.ok()) << nodes.status().message();
  EXPECT_EQ(nodes->region[0], "europe");
  EXPECT_FALSE(nodes->online[0]);
}

TEST(ResultsSchema, ReaderErrorsNameTableAndLine) {
  {
    CsvReader reader("\nnode,region\n0,eu\n", "nodes.csv", NodeRow::kColumns);
    EXPECT_FALSE(reader.Next());
    EXPECT_EQ(reader.status().message(), "nodes.csv:2: header lacks column `as`");
  }
  {
    CsvReader reader("source, target ,type\n1,2,full-relay\n\n3,4\n", "edges.csv",
                     EdgeRow::kColumns);
    ASSERT_TRUE(reader.Next());
    EXPECT_EQ(reader[1], "2");
    EXPECT_FALSE(reader.Next());  // the blank line is skipped, line 4 is short
    EXPECT_EQ(reader.status().message(), "edges.csv:4: expected 3 columns, got \"3,4\"");
  }
  {
    CsvReader reader("", "empty.csv", EdgeRow::kColumns);  // no header, no rows, no error
    EXPECT_FALSE(reader.Next());
    EXPECT_TRUE(reader.status().ok());
  }
}

SummaryHead Head() {
  return {.scenario = "s", .seed = 2, .backend = "fast", .nodes = 10, .sim_time_s = 60,
          .blocks_mined = 1, .blocks_main = 1, .blocks_stale = 0, .stale_rate = 0.0,
          .main_tip_height = 1, .propagation_p50_s = 0.5, .propagation_p90_s = std::nullopt,
          .propagation_p99_s = std::nullopt};
}

TEST(ResultsSchema, SummaryKeysComeInContractOrder) {
  SummaryWriter w(Head());
  for (std::string_view key : summary::kSections) {
    if (key == summary::kGroups) {
      const SummaryGroup g{.name = "honest", .hashrate = 1, .nodes = 10, .blocks_mined = 1,
                           .blocks_main = 1, .revenue_share = 1.0};
      w.Groups({&g, 1});
    } else {
      w.Section(key).Null();
    }
  }
  w.Extension(summary::kTestbed).Null();
  const std::string text = w.Finish();
  std::size_t at = 0;
  for (std::string_view key : {"\"scenario\"", "\"seed\"", "\"backend\"", "\"nodes\"",
                               "\"sim_time_s\"", "\"blocks\"", "\"propagation_s\"", "\"reorgs\"",
                               "\"peers\"", "\"partitions\"", "\"groups\"", "\"transactions\"",
                               "\"chain_quality\"", "\"churn\"", "\"adversaries\"",
                               "\"testbed\""}) {
    const std::size_t found = text.find(key, at);
    ASSERT_NE(found, std::string::npos) << key << " missing or out of order in\n" << text;
    at = found;
  }
  EXPECT_NE(text.find("\"revenue_share\": 1"), std::string::npos) << text;
}

TEST(ResultsSchemaDeathTest, ASectionOutOfOrderIsADefect) {
  EXPECT_DEATH(
      {
        SummaryWriter w(Head());
        w.Section(summary::kPeers);  // reorgs comes first
      },
      "");
  EXPECT_DEATH(
      {
        SummaryWriter w(Head());
        w.Section(summary::kReorgs).Null();
        (void)w.Finish();  // the other sections are missing
      },
      "");
}

}  // namespace
}  // namespace peerlab::results
