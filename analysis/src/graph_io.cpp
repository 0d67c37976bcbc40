// The graph type and its readers: edge lists (CSV with a header or whitespace pairs) and
// nodes.csv. Every malformed input becomes one error line naming the file and line.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "peerlab/analysis/graph.hpp"
#include "peerlab/results/table_reader.hpp"
#include "peerlab/results/tables.hpp"
#include "peerlab/util/input_file.hpp"

namespace peerlab::analysis {

namespace {

// Ids above this are rejected rather than allocating for them: a typo like 10000000000 must
// not make `analyze` try to build a graph of ten billion isolated nodes.
constexpr std::uint64_t kMaxNodeId = 50'000'000;

using results::SplitCsvLine;
using results::TrimBlanks;

// edges.csv's columns that an edge list's CSV header must (source, target) or may (type) name.
constexpr std::size_t kSourceColumn = results::ColumnIndex(results::EdgeRow::kColumns, "source");
constexpr std::size_t kTargetColumn = results::ColumnIndex(results::EdgeRow::kColumns, "target");
constexpr std::size_t kTypeColumn = results::ColumnIndex(results::EdgeRow::kColumns, "type");

std::vector<std::string_view> SplitWhitespace(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) fields.push_back(line.substr(i, j - i));
    i = j;
  }
  return fields;
}

std::optional<std::uint64_t> ParseId(std::string_view s) {
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// Splits text into lines, remembering 1-based line numbers.
template <typename Fn>
Status ForEachLine(std::string_view text, Fn&& fn) {
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line_number;
    Status status = fn(line_number, text.substr(start, end - start));
    if (!status.ok()) return status;
    start = end + 1;
  }
  return Status::Ok();
}

std::string Quoted(std::string_view s) { return results::QuotedExcerpt(s); }

// A regular file within kMaxAnalysisInputBytes, checked before reading (util/input_file.hpp):
// /dev/zero or a FIFO named as a graph is one error line, not a hang.
Result<std::string> ReadFile(const std::string& path) {
  auto text = ReadInputFile(path, kMaxAnalysisInputBytes);
  if (!text.ok()) return Status::Error(path + ": " + text.status().message());
  return text;
}

}  // namespace

Graph Graph::FromEdges(NodeId node_count, std::vector<Edge> edges) {
  Graph graph;
  graph.node_count_ = node_count;
  std::vector<Edge> kept;
  kept.reserve(edges.size());
  for (auto [u, v] : edges) {
    PEERLAB_ASSERT(u < node_count && v < node_count);
    if (u == v) continue;
    kept.emplace_back(std::min(u, v), std::max(u, v));
  }
  std::sort(kept.begin(), kept.end());
  kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  graph.offsets_.assign(static_cast<std::size_t>(node_count) + 1, 0);
  for (auto [u, v] : kept) {
    ++graph.offsets_[u + 1];
    ++graph.offsets_[v + 1];
  }
  for (NodeId v = 0; v < node_count; ++v) graph.offsets_[v + 1] += graph.offsets_[v];
  graph.targets_.resize(kept.size() * 2);
  std::vector<std::uint64_t> fill(graph.offsets_.begin(), graph.offsets_.end() - 1);
  for (auto [u, v] : kept) {
    graph.targets_[fill[u]++] = v;
    graph.targets_[fill[v]++] = u;
  }
  // Edges are sorted by (u, v), so each adjacency list is filled with the smaller neighbours
  // first in order, then the larger ones in order: already ascending.
  graph.edges_ = std::move(kept);
  return graph;
}

bool Graph::HasEdge(NodeId u, NodeId v) const {
  const auto neighbors = Neighbors(u);
  return std::binary_search(neighbors.begin(), neighbors.end(), v);
}

Graph Graph::WithoutNodes(const std::vector<bool>& removed) const {
  PEERLAB_ASSERT(removed.size() == node_count_);
  std::vector<Edge> kept;
  for (auto [u, v] : edges_) {
    if (!removed[u] && !removed[v]) kept.emplace_back(u, v);
  }
  return FromEdges(node_count_, std::move(kept));
}

Result<LoadedGraph> ParseEdgeList(std::string_view text, const std::string& name) {
  LoadedGraph loaded;
  std::vector<Edge> edges;
  // CSV is recognised by its header; the first non-comment line decides.
  bool format_known = false;
  bool csv = false;
  std::size_t source_column = 0, target_column = 0;
  std::optional<std::size_t> type_column;
  std::size_t csv_columns = 0;
  std::uint64_t max_id = 0;

  Status status = ForEachLine(text, [&](std::size_t line_number, std::string_view raw) {
    std::string_view line = raw;
    if (!csv) {
      const std::size_t hash = line.find('#');
      if (hash != std::string_view::npos) line = line.substr(0, hash);
    }
    line = TrimBlanks(line);
    if (line.empty()) return Status::Ok();
    const std::string where = name + ":" + std::to_string(line_number) + ": ";
    if (!format_known) {
      format_known = true;
      const auto fields = SplitCsvLine(line);
      // A run's edges.csv (results::EdgeRow), or any CSV naming the same columns.
      const auto& names = results::EdgeRow::kColumns;
      const auto source = std::find(fields.begin(), fields.end(), names[kSourceColumn]);
      const auto target = std::find(fields.begin(), fields.end(), names[kTargetColumn]);
      if (source != fields.end() && target != fields.end()) {
        csv = true;
        csv_columns = fields.size();
        source_column = static_cast<std::size_t>(source - fields.begin());
        target_column = static_cast<std::size_t>(target - fields.begin());
        const auto type = std::find(fields.begin(), fields.end(), names[kTypeColumn]);
        if (type != fields.end()) type_column = static_cast<std::size_t>(type - fields.begin());
        return Status::Ok();
      }
      if (line.find(',') != std::string_view::npos) {
        return Status::Error(where + "CSV edge list needs a header with source,target, got " +
                             Quoted(line));
      }
    }
    std::optional<std::uint64_t> u, v;
    std::string_view type;
    std::string shown(line);  // what the error quotes: the two id fields in CSV
    if (csv) {
      const auto fields = SplitCsvLine(line);
      if (fields.size() != csv_columns) {
        return Status::Error(where + "expected " + std::to_string(csv_columns) +
                             " columns, got " + Quoted(line));
      }
      u = ParseId(fields[source_column]);
      v = ParseId(fields[target_column]);
      shown = std::string(fields[source_column]) + "," + std::string(fields[target_column]);
      if (type_column) type = fields[*type_column];
    } else {
      const auto fields = SplitWhitespace(line);
      if (fields.size() == 2) {
        u = ParseId(fields[0]);
        v = ParseId(fields[1]);
      }
    }
    if (!u || !v) return Status::Error(where + "expected two node ids, got " + Quoted(shown));
    if (*u > kMaxNodeId || *v > kMaxNodeId) {
      return Status::Error(where + "node id above " + std::to_string(kMaxNodeId) + ", got " +
                           Quoted(shown));
    }
    ++loaded.rows;
    if (type_column) ++loaded.rows_by_type[std::string(type)];
    max_id = std::max({max_id, *u, *v});
    if (*u == *v) {
      ++loaded.self_loops;
      return Status::Ok();
    }
    edges.emplace_back(static_cast<NodeId>(*u), static_cast<NodeId>(*v));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (loaded.rows == 0) return Status::Error(name + ": no edges");
  const std::size_t rows_kept = edges.size();
  loaded.graph = Graph::FromEdges(static_cast<NodeId>(max_id + 1), std::move(edges));
  loaded.duplicate_rows = rows_kept - loaded.graph.edge_count();
  return loaded;
}

Result<LoadedGraph> LoadEdgeList(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseEdgeList(*text, path);
}

Result<NodeAttributes> ParseNodeAttributes(std::string_view text, const std::string& name) {
  // A run's nodes.csv: the columns of results::NodeRow, in its order (extra columns, as the
  // testbed's, are skipped).
  using results::ColumnIndex;
  using results::NodeRow;
  static constexpr std::size_t kNode = ColumnIndex(NodeRow::kColumns, "node");
  static constexpr std::size_t kRegion = ColumnIndex(NodeRow::kColumns, "region");
  static constexpr std::size_t kAs = ColumnIndex(NodeRow::kColumns, "as");
  static constexpr std::size_t kGroup = ColumnIndex(NodeRow::kColumns, "group");
  static constexpr std::size_t kHashrate = ColumnIndex(NodeRow::kColumns, "hashrate");
  static constexpr std::size_t kOnline = ColumnIndex(NodeRow::kColumns, "online");
  NodeAttributes nodes;
  std::vector<bool> seen;
  results::CsvReader table(text, name, results::NodeRow::kColumns);
  while (table.Next()) {
    const std::string where = table.Where();
    const auto id = ParseId(table[kNode]);
    if (!id || *id > kMaxNodeId) {
      return Status::Error(where + "expected a node id, got " + Quoted(table[kNode]));
    }
    double hashrate = 0;
    const std::string_view hash_text = table[kHashrate];
    const auto [ptr, ec] =
        std::from_chars(hash_text.data(), hash_text.data() + hash_text.size(), hashrate);
    if (hash_text.empty() || ec != std::errc() || ptr != hash_text.data() + hash_text.size() ||
        !(hashrate >= 0 && hashrate <= 1)) {
      return Status::Error(where + "hashrate must be a share in [0, 1], got " +
                           Quoted(hash_text));
    }
    const std::string_view online = table[kOnline];
    if (online != "true" && online != "false") {
      return Status::Error(where + "online must be true or false, got " + Quoted(online));
    }
    const std::size_t v = static_cast<std::size_t>(*id);
    if (v >= seen.size()) {
      seen.resize(v + 1, false);
      nodes.region.resize(v + 1);
      nodes.as.resize(v + 1);
      nodes.group.resize(v + 1);
      nodes.hashrate.resize(v + 1, 0.0);
      nodes.online.resize(v + 1, false);
    }
    if (seen[v]) return Status::Error(where + "node " + std::to_string(v) + " listed twice");
    seen[v] = true;
    nodes.region[v] = std::string(table[kRegion]);
    nodes.as[v] = std::string(table[kAs]);
    nodes.group[v] = std::string(table[kGroup]);
    nodes.hashrate[v] = hashrate;
    nodes.online[v] = online == "true";
  }
  if (!table.status().ok()) return table.status();
  if (seen.empty()) return Status::Error(name + ": no nodes");
  return nodes;
}

Result<NodeAttributes> LoadNodeAttributes(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseNodeAttributes(*text, path);
}

}  // namespace peerlab::analysis
