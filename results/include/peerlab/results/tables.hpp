// The CSV tables peerlab writes, declared once: per table its file name, its columns in order
// (a contract with users' scripts and with `peerlab analyze`; docs/design.md §6) and a typed
// row. Simulated runs (runner/), the testbed (peerlabd's datadir tables and `peerlab testbed`'s
// run directory) and analysis all take column names from here; nothing else spells them.
//
// A row type `R` provides `R::kFile`, `R::kColumns` and `void R::WriteTo(CsvWriter&) const`
// (tables.cpp), which writes one field per column in column order; `Table<R>` starts the
// header and ends each row, so a row that does not match its columns fails the
// CsvWriter::EndRow assertion in the tests. Rows hold views: they are built, written and
// dropped, never stored.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "peerlab/results/csv.hpp"

namespace peerlab::results {

// The index of `column` in `columns`; a compile error when used in a constant expression with
// a name the table lacks.
template <std::size_t N>
constexpr std::size_t ColumnIndex(const std::array<std::string_view, N>& columns,
                                  std::string_view column) {
  for (std::size_t i = 0; i < N; ++i) {
    if (columns[i] == column) return i;
  }
  throw "no such column";  // not a constant expression: rejected at compile time
}

template <std::size_t A, std::size_t B>
constexpr std::array<std::string_view, A + B> JoinColumns(const std::array<std::string_view, A>& a,
                                                          const std::array<std::string_view, B>& b) {
  std::array<std::string_view, A + B> out{};
  for (std::size_t i = 0; i < A; ++i) out[i] = a[i];
  for (std::size_t i = 0; i < B; ++i) out[A + i] = b[i];
  return out;
}

// ---- A run directory (simulated runs and `peerlab testbed`) ----

// blocks.csv: one row per mined block, in mining order. Empty fields are nulls: a block that
// never reached a share of the nodes, a miner the testbed could not identify.
struct BlockRow {
  static constexpr std::string_view kFile = "blocks.csv";
  static constexpr std::array<std::string_view, 13> kColumns = {
      "id", "height", "parent", "miner_group", "miner_node", "mined_at_s", "main_chain",
      "size_bytes", "reach_50_s", "reach_90_s", "reach_99_s", "reach_100_s", "partition_side"};
  std::string_view id;
  std::uint32_t height = 0;
  std::string_view parent;
  std::string_view miner_group;  // empty when unknown
  std::optional<std::uint32_t> miner_node;
  std::optional<double> mined_at_s;
  bool main_chain = false;
  std::uint64_t size_bytes = 0;
  std::array<std::optional<double>, 4> reach_s;  // 50, 90, 99, 100 % of the nodes
  std::optional<std::uint32_t> partition_side;
  void WriteTo(CsvWriter& csv) const;
};

// nodes.csv: one row per node at the end of the run.
struct NodeRow {
  static constexpr std::string_view kFile = "nodes.csv";
  static constexpr std::array<std::string_view, 6> kColumns = {"node",  "region",   "as",
                                                               "group", "hashrate", "online"};
  std::uint32_t node = 0;
  std::string_view region;
  std::uint32_t as = 0;
  std::string_view group;
  double hashrate = 0;  // share of the network's hashrate
  bool online = true;
  void WriteTo(CsvWriter& csv) const;
};

// nodes.csv of `peerlab testbed`: NodeRow's columns first, then the testbed's own.
struct TestbedNodeRow {
  static constexpr std::string_view kFile = NodeRow::kFile;
  static constexpr std::array<std::string_view, 4> kExtraColumns = {"address", "mine_mean_s",
                                                                    "tip_height", "exit"};
  static constexpr auto kColumns = JoinColumns(NodeRow::kColumns, kExtraColumns);
  NodeRow node;
  std::string_view address;  // IP:port
  std::optional<double> mine_mean_s;
  std::optional<std::uint32_t> tip_height;
  std::string_view exit;  // exit code, "signal N" or "?"
  void WriteTo(CsvWriter& csv) const;
};

// edges.csv (and edges_at_<time>.csv): one row per open connection; `source` opened it.
struct EdgeRow {
  static constexpr std::string_view kFile = "edges.csv";
  static constexpr std::array<std::string_view, 3> kColumns = {"source", "target", "type"};
  // The values of `type`.
  static constexpr std::string_view kFullRelay = "full-relay";
  static constexpr std::string_view kBlockRelayOnly = "block-relay-only";
  static constexpr std::string_view kRushing = "rushing";
  std::uint32_t source = 0;
  std::uint32_t target = 0;
  std::string_view type;
  void WriteTo(CsvWriter& csv) const;
};

// reach.csv (outputs: reach): one row per (block, node) that accepted the block, ordered by
// block, then time, then node. `block` numbers the rows of blocks.csv (0: its first row);
// `after_us` is the time from the block's mining, in whole microseconds (the miner's own row
// is 0). Nodes that never accepted a block have no row for it. Integers only, so a
// 10,000-node run of 144 blocks stays near 25 MB.
struct ReachRow {
  static constexpr std::string_view kFile = "reach.csv";
  static constexpr std::array<std::string_view, 3> kColumns = {"block", "node", "after_us"};
  std::uint32_t block = 0;
  std::uint32_t node = 0;
  std::int64_t after_us = 0;
  void WriteTo(CsvWriter& csv) const;
};

// transactions.csv: one row per transaction of the workload, in creation order.
struct TransactionRow {
  static constexpr std::string_view kFile = "transactions.csv";
  static constexpr std::array<std::string_view, 11> kColumns = {
      "id",         "class",      "origin_node",     "created_at_s",      "size_bytes",
      "fee_sat",    "reach_50_s", "reach_90_s",      "included_height",   "inclusion_delay_s",
      "inclusion_delay_blocks"};
  std::string_view id;
  std::string_view tx_class;
  std::uint32_t origin_node = 0;
  double created_at_s = 0;
  std::uint64_t size_bytes = 0;
  std::uint64_t fee_sat = 0;
  std::optional<double> reach_50_s, reach_90_s;
  std::optional<std::uint32_t> included_height;
  std::optional<double> inclusion_delay_s;
  std::optional<std::uint32_t> inclusion_delay_blocks;
  void WriteTo(CsvWriter& csv) const;
};

// heights.csv (protocol.kind tendermint): one row per height committed by any node. Times in
// seconds: proposed_s and first_commit_s from the run's start, to_*_s from the proposal until
// that share of the nodes had committed; empty when never reached.
struct HeightRow {
  static constexpr std::string_view kFile = "heights.csv";
  static constexpr std::array<std::string_view, 14> kColumns = {
      "height",  "round",   "proposer", "proposed_s",   "first_commit_s", "to_50_s",
      "to_90_s", "to_99_s", "to_all_s", "committed_by", "txs",            "evidence",
      "bytes",   "proposer_group"};
  std::int64_t height = 0;
  std::int64_t round = 0;
  std::int64_t proposer = -1;  // validator index; -1 when the proposal was never seen
  std::optional<double> proposed_s, first_commit_s;
  std::optional<double> to_50_s, to_90_s, to_99_s, to_all_s;
  std::uint32_t committed_by = 0;
  std::uint32_t txs = 0;
  std::uint32_t evidence = 0;
  std::uint32_t bytes = 0;
  std::string_view proposer_group;
  void WriteTo(CsvWriter& csv) const;
};

// ---- peerlabd's datadir (docs/testbed.md "Tables"; appended one row per event) ----

// blocks.csv of one daemon: every block it accepted.
struct DaemonBlockRow {
  static constexpr std::string_view kFile = "blocks.csv";
  static constexpr std::array<std::string_view, 8> kColumns = {
      "id", "height", "parent", "miner", "mined_at_s", "accepted_at_s", "accepted_unix_s",
      "size_bytes"};
  static constexpr std::string_view kSelf = "self";  // `miner` of the daemon's own blocks
  std::string_view id;
  std::uint32_t height = 0;
  std::string_view parent;  // empty when the block has no parent (genesis)
  std::string_view miner;   // kSelf or empty (peers' blocks name no miner on the wire)
  std::optional<double> mined_at_s;
  double accepted_at_s = 0;
  double accepted_unix_s = 0;
  std::uint64_t size_bytes = 0;
  void WriteTo(CsvWriter& csv) const;
};

// peers.csv of one daemon: every connection when it closed.
struct DaemonPeerRow {
  static constexpr std::string_view kFile = "peers.csv";
  static constexpr std::array<std::string_view, 10> kColumns = {
      "closed_at_s", "peer",     "address",   "direction",   "handshake",
      "misbehavior", "bytes_in", "bytes_out", "connected_s", "reason"};
  double closed_at_s = 0;
  std::uint32_t peer = 0;
  std::string_view address;
  std::string_view direction;  // inbound, outbound
  std::string_view handshake;
  std::uint32_t misbehavior = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  double connected_s = 0;
  std::string_view reason;
  void WriteTo(CsvWriter& csv) const;
};

// A whole table: the header line, then one line per Add.
template <typename Row>
class Table {
 public:
  Table() : csv_(Row::kColumns) {}
  Table& Add(const Row& row) {
    row.WriteTo(csv_);
    csv_.EndRow();
    return *this;
  }
  const std::string& text() const { return csv_.text(); }

 private:
  CsvWriter csv_;
};

// The header line alone (a new appended table) and one row alone (appended to it).
template <typename Row>
std::string TableHeader() {
  return CsvWriter(Row::kColumns).text();
}
template <typename Row>
std::string TableLine(const Row& row) {
  CsvWriter csv(Row::kColumns, CsvWriter::kNoHeader);
  row.WriteTo(csv);
  csv.EndRow();
  return csv.text();
}

}  // namespace peerlab::results
