// Partition resilience: how few nodes, ASes or regions an adversary (or an outage) must take
// out so that no remaining connected part keeps more than 1 - threshold of the hashrate (or of
// the nodes). Exact by exhaustive search when the search is small, otherwise a greedy upper
// bound. Definition and rationale: docs/analysis.md.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "peerlab/analysis/graph.hpp"

namespace peerlab::analysis {

namespace {

constexpr double kTolerance = 1e-12;

struct Units {
  std::string kind;
  std::vector<std::string> names;
  std::vector<std::vector<NodeId>> members;
};

Units NodeUnits(NodeId n) {
  Units units{"node", {}, {}};
  for (NodeId v = 0; v < n; ++v) {
    units.names.push_back(std::to_string(v));
    units.members.push_back({v});
  }
  return units;
}

// Numbers in numeric order (AS 2 before AS 10), then other names alphabetically.
bool NameBefore(const std::string& a, const std::string& b) {
  auto numeric = [](const std::string& s) {
    return !s.empty() && s.size() < 19 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const bool a_numeric = numeric(a), b_numeric = numeric(b);
  if (a_numeric != b_numeric) return a_numeric;
  if (!a_numeric) return a < b;
  const auto x = std::stoull(a), y = std::stoull(b);  // "07" and "7": by text after value
  return x != y ? x < y : a < b;
}

// Nodes grouped by a label (AS or region); units ordered by name so output is deterministic.
Units LabelUnits(const std::string& kind, const std::vector<std::string>& labels, NodeId n) {
  std::vector<std::string> names;
  for (NodeId v = 0; v < n; ++v) names.push_back(v < labels.size() ? labels[v] : "");
  std::vector<std::string> distinct = names;
  std::sort(distinct.begin(), distinct.end(), NameBefore);
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  Units units{kind, distinct, std::vector<std::vector<NodeId>>(distinct.size())};
  for (NodeId v = 0; v < n; ++v) {
    const auto at = std::lower_bound(distinct.begin(), distinct.end(), names[v], NameBefore);
    units.members[static_cast<std::size_t>(at - distinct.begin())].push_back(v);
  }
  return units;
}

class PartEvaluator {
 public:
  PartEvaluator(const Graph& graph, std::vector<double> weight)
      : graph_(graph), weight_(std::move(weight)), removed_(graph.node_count(), false),
        seen_(graph.node_count(), 0) {
    total_ = std::accumulate(weight_.begin(), weight_.end(), 0.0);
  }
  double total() const { return total_; }

  // Share of the measure held by the heaviest connected part once `chosen` units are gone.
  double LargestShare(const Units& units, const std::vector<std::size_t>& chosen) {
    for (std::size_t u : chosen) {
      for (NodeId v : units.members[u]) removed_[v] = true;
    }
    ++stamp_;
    double largest = 0;
    for (NodeId start = 0; start < graph_.node_count(); ++start) {
      if (removed_[start] || seen_[start] == stamp_) continue;
      double part = 0;
      queue_.assign(1, start);
      seen_[start] = stamp_;
      for (std::size_t head = 0; head < queue_.size(); ++head) {
        const NodeId v = queue_[head];
        part += weight_[v];
        for (NodeId w : graph_.Neighbors(v)) {
          if (!removed_[w] && seen_[w] != stamp_) {
            seen_[w] = stamp_;
            queue_.push_back(w);
          }
        }
      }
      largest = std::max(largest, part);
    }
    for (std::size_t u : chosen) {
      for (NodeId v : units.members[u]) removed_[v] = false;
    }
    return largest / total_;
  }

 private:
  const Graph& graph_;
  std::vector<double> weight_;
  std::vector<bool> removed_;
  std::vector<std::uint32_t> seen_;
  std::vector<NodeId> queue_;
  std::uint32_t stamp_ = 0;
  double total_ = 0;
};

double Binomial(std::size_t n, std::size_t k) {
  double value = 1;
  for (std::size_t i = 0; i < k; ++i) value = value * static_cast<double>(n - i) / (i + 1.0);
  return value;
}

// Prefix of `order` (by binary search: the heaviest part only shrinks as a prefix grows) that
// first reaches the goal.
std::vector<std::size_t> ShortestPrefix(const Units& units, const std::vector<std::size_t>& order,
                                        double goal, PartEvaluator& evaluator) {
  std::size_t low = 0, high = order.size();  // removing every unit always reaches the goal
  while (low < high) {
    const std::size_t mid = (low + high) / 2;
    const std::vector<std::size_t> prefix(order.begin(), order.begin() + mid);
    if (evaluator.LargestShare(units, prefix) <= goal + kTolerance) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return {order.begin(), order.begin() + low};
}

// Greedy upper bound: the best of fixed orders (heaviest units first, best-connected units
// first) and, when affordable, adaptive greedy that repeatedly removes the unit shrinking the
// heaviest part most (ties: the better-connected unit).
std::vector<std::size_t> Greedy(const Units& units, const std::vector<double>& unit_weight,
                                const std::vector<double>& unit_degree, double goal,
                                double step_work_limit, std::size_t graph_size,
                                PartEvaluator& evaluator) {
  const std::size_t count = units.names.size();
  std::vector<std::size_t> best;
  bool have_best = false;
  for (const auto* primary : {&unit_weight, &unit_degree}) {
    const auto* secondary = primary == &unit_weight ? &unit_degree : &unit_weight;
    std::vector<std::size_t> order(count);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if ((*primary)[a] != (*primary)[b]) return (*primary)[a] > (*primary)[b];
      return (*secondary)[a] > (*secondary)[b];
    });
    auto prefix = ShortestPrefix(units, order, goal, evaluator);
    if (!have_best || prefix.size() < best.size()) {
      best = std::move(prefix);
      have_best = true;
    }
  }
  if (static_cast<double>(count) * static_cast<double>(count) * graph_size <= step_work_limit) {
    std::vector<std::size_t> chosen;
    std::vector<bool> used(count, false);
    while (chosen.size() < best.size() &&
           evaluator.LargestShare(units, chosen) > goal + kTolerance) {
      std::size_t pick = count;
      double pick_share = 2;
      for (std::size_t u = 0; u < count; ++u) {
        if (used[u]) continue;
        chosen.push_back(u);
        const double share = evaluator.LargestShare(units, chosen);
        chosen.pop_back();
        const bool tie = std::abs(share - pick_share) <= kTolerance;
        if ((!tie && share < pick_share) || (tie && unit_degree[u] > unit_degree[pick])) {
          pick_share = share;
          pick = u;
        }
      }
      PEERLAB_ASSERT(pick < count);
      used[pick] = true;
      chosen.push_back(pick);
    }
    if (evaluator.LargestShare(units, chosen) <= goal + kTolerance && chosen.size() < best.size()) {
      best = std::move(chosen);
    }
  }
  std::sort(best.begin(), best.end());
  return best;
}

// Spectral-sweep separator for single nodes: with the nodes sorted by the Fiedler vector, side
// A = the first k, side B = the rest; removing the A nodes that have a neighbor in B (or the B
// nodes with a neighbor in A) disconnects the rest of A from the rest of B. Every k is tried in
// one pass, keeping per-node counts of neighbors across the split, and the smallest separator
// whose two sides both stay within the goal (a conservative test: the sides may split
// further) is returned, or nothing when none does.
std::optional<std::vector<std::size_t>> SweepSeparator(const Graph& graph,
                                                       const std::vector<double>& fiedler,
                                                       const std::vector<double>& weight,
                                                       double goal_weight) {
  const NodeId n = graph.node_count();
  std::vector<NodeId> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](NodeId a, NodeId b) { return fiedler[a] < fiedler[b]; });
  std::vector<bool> in_a(n, false);
  std::vector<std::uint32_t> across(n, 0);  // neighbors on the other side
  const double total = std::accumulate(weight.begin(), weight.end(), 0.0);
  double weight_a = 0, boundary_a_weight = 0, boundary_b_weight = 0;
  std::size_t boundary_a = 0, boundary_b = 0;
  std::size_t best_size = n, best_k = 0;
  bool best_on_a = true;
  for (std::size_t k = 1; k < n; ++k) {
    const NodeId v = order[k - 1];
    if (across[v] > 0) {  // leaves B's boundary
      --boundary_b;
      boundary_b_weight -= weight[v];
    }
    in_a[v] = true;
    weight_a += weight[v];
    across[v] = 0;
    for (NodeId w : graph.Neighbors(v)) {
      if (in_a[w]) {
        if (--across[w] == 0) {
          --boundary_a;
          boundary_a_weight -= weight[w];
        }
      } else {
        ++across[v];
        if (++across[w] == 1) {
          ++boundary_b;
          boundary_b_weight += weight[w];
        }
      }
    }
    if (across[v] > 0) {
      ++boundary_a;
      boundary_a_weight += weight[v];
    }
    const double weight_b = total - weight_a;
    const double slack = kTolerance * total;
    if (boundary_a < best_size &&
        std::max(weight_a - boundary_a_weight, weight_b) <= goal_weight + slack) {
      best_size = boundary_a, best_k = k, best_on_a = true;
    }
    if (boundary_b < best_size &&
        std::max(weight_a, weight_b - boundary_b_weight) <= goal_weight + slack) {
      best_size = boundary_b, best_k = k, best_on_a = false;
    }
  }
  if (best_k == 0) return std::nullopt;
  std::vector<bool> side_a(n, false);
  for (std::size_t i = 0; i < best_k; ++i) side_a[order[i]] = true;
  std::vector<std::size_t> separator;
  for (NodeId v = 0; v < n; ++v) {
    if (side_a[v] != best_on_a) continue;
    for (NodeId w : graph.Neighbors(v)) {
      if (side_a[w] != side_a[v]) {
        separator.push_back(v);
        break;
      }
    }
  }
  return separator;
}

// Smallest set of size < bound reaching the goal, by enumerating combinations in order.
std::optional<std::vector<std::size_t>> ExhaustiveBelow(const Units& units, std::size_t bound,
                                                        double goal, PartEvaluator& evaluator) {
  const std::size_t count = units.names.size();
  for (std::size_t size = 0; size < bound; ++size) {
    std::vector<std::size_t> chosen(size);
    std::iota(chosen.begin(), chosen.end(), 0);
    while (true) {
      if (evaluator.LargestShare(units, chosen) <= goal + kTolerance) return chosen;
      // Next combination in lexicographic order.
      std::size_t i = size;
      while (i > 0 && chosen[i - 1] == count - size + i - 1) --i;
      if (i == 0) break;
      ++chosen[i - 1];
      for (std::size_t j = i; j < size; ++j) chosen[j] = chosen[j - 1] + 1;
    }
  }
  return std::nullopt;
}

PartitionCut Solve(const Graph& graph, const Units& units, const std::string& measure,
                   const std::vector<double>& node_weight, const ResilienceOptions& options) {
  PartitionCut cut;
  cut.unit = units.kind;
  cut.measure = measure;
  PartEvaluator evaluator(graph, node_weight);
  const double goal = 1.0 - options.threshold;
  std::vector<double> unit_weight(units.names.size(), 0), unit_degree(units.names.size(), 0);
  for (std::size_t u = 0; u < units.names.size(); ++u) {
    for (NodeId v : units.members[u]) {
      unit_weight[u] += node_weight[v];
      unit_degree[u] += graph.Degree(v);
    }
  }
  const std::size_t graph_size = graph.node_count() + graph.edge_count();
  std::vector<std::size_t> chosen = Greedy(units, unit_weight, unit_degree, goal,
                                           options.exact_work_limit, graph_size, evaluator);
  cut.method = "greedy-bound";
  if (units.kind == "node" && options.fiedler_vector != nullptr &&
      options.fiedler_vector->size() == graph.node_count()) {
    auto separator = SweepSeparator(graph, *options.fiedler_vector, node_weight,
                                    goal * evaluator.total());
    if (separator && separator->size() < chosen.size() &&
        evaluator.LargestShare(units, *separator) <= goal + kTolerance) {
      chosen = std::move(*separator);
    }
  }
  double search = 0;
  for (std::size_t size = 0; size < chosen.size(); ++size) {
    search += Binomial(units.names.size(), size);
  }
  if (search * static_cast<double>(graph_size) <= options.exact_work_limit) {
    cut.method = "exact";
    if (auto smaller = ExhaustiveBelow(units, chosen.size(), goal, evaluator)) chosen = *smaller;
  }
  cut.count = static_cast<std::uint32_t>(chosen.size());
  for (std::size_t u : chosen) cut.removed.push_back(units.names[u]);
  cut.largest_part_share = evaluator.LargestShare(units, chosen);
  return cut;
}

}  // namespace

std::vector<PartitionCut> PartitionResilience(const Graph& graph, const NodeAttributes* nodes,
                                              const ResilienceOptions& options) {
  PEERLAB_ASSERT(options.threshold > 0 && options.threshold <= 1);
  std::vector<PartitionCut> cuts;
  const NodeId n = graph.node_count();
  if (n == 0) return cuts;
  const std::vector<double> one_each(n, 1.0);
  std::vector<double> hashrate;
  if (nodes != nullptr) {
    hashrate.assign(n, 0.0);
    for (NodeId v = 0; v < n && v < nodes->hashrate.size(); ++v) hashrate[v] = nodes->hashrate[v];
  }
  const bool have_hashrate =
      nodes != nullptr && std::accumulate(hashrate.begin(), hashrate.end(), 0.0) > 0;
  std::vector<Units> all_units = {NodeUnits(n)};
  if (nodes != nullptr) {
    all_units.push_back(LabelUnits("as", nodes->as, n));
    all_units.push_back(LabelUnits("region", nodes->region, n));
  }
  for (const Units& units : all_units) {
    if (have_hashrate) cuts.push_back(Solve(graph, units, "hashrate", hashrate, options));
    cuts.push_back(Solve(graph, units, "nodes", one_each, options));
  }
  return cuts;
}

}  // namespace peerlab::analysis
