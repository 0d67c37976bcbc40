// The `transactions` table: the transaction workload and its classes.
#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"

namespace peerlab::scenario::detail {
namespace {

constexpr std::uint64_t kMaxTxSize = 100'000;  // Core's MAX_STANDARD_TX_WEIGHT / 4

bool ReadTxSize(const Node& n, const std::string& p, Ctx& c, std::uint32_t* out,
                Json& j) {
  std::uint64_t v = 0;
  if (!ReadSize(n, p, c, &v)) return false;
  if (v < bitcoin::kMinTxBytes || v > kMaxTxSize) {
    return c.Fail(n.origin, p,
                  "must be between " + std::to_string(bitcoin::kMinTxBytes) + " B and 100 kB, got " +
                      Quote(n.scalar));
  }
  *out = static_cast<std::uint32_t>(v);
  j = FormatSize(v);
  return true;
}

bool ReadFeeRate(const Node& n, const std::string& p, Ctx& c, double* out, Json& j) {
  if (!ReadNumber(n, p, c, out)) return false;
  if (*out < 0 || *out > 1e6) {
    return c.Fail(n.origin, p, "must be between 0 and 1000000 sat/B, got " + Quote(n.scalar));
  }
  j = *out;
  return true;
}

bool ParseClasses(const Node& n, const std::string& p, Ctx& c, Json& j) {
  if (n.kind != Node::Kind::kMapping || n.entries.empty()) {
    return c.Fail(n.origin, p,
                  "expected a mapping of class name to share, e.g. `{normal: 0.99, tracked: "
                  "0.01}`, got " + Describe(n));
  }
  auto& classes = c.out->sim.transactions.classes;
  classes.clear();
  double sum = 0;
  j = Json::object();
  for (const Entry& e : n.entries) {
    const std::string path = p + "." + e.key;
    for (const auto& seen : classes) {
      if (seen.name == e.key) return c.Fail(e.key_origin, path, "duplicate class");
    }
    double share = 0;
    if (!ReadHashrate(e.value, path, c, &share)) return false;
    classes.push_back({e.key, share});
    sum += share;
    j[e.key] = share;
  }
  if (classes.size() > 65535) return c.Fail(n.origin, p, "at most 65535 classes");
  if (sum < 1 - 1e-9 || sum > 1 + 1e-9) {
    return c.Fail(n.origin, p, "class shares sum to " + FormatNumber(sum) + ", must sum to 1");
  }
  return true;
}

}  // namespace

const Table& TransactionsTable() {
  static const Table t{
      "transactions",
      "Transactions created by users at random nodes (a Poisson process) and relayed with "
      "Bitcoin Core's trickling. Absent, or `rate: 0`: no transactions and no transaction "
      "relay; blocks then carry synthetic fill (`protocol.fill_tx_size`) that every node has.",
      {
          {"rate", "number >= 0 (per second)", true, "", "",
           "Transactions created per second across the network.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             double v = 0;
             if (!ReadNumber(n, p, c, &v)) return false;
             if (v < 0 || v > 1e5) {
               return c.Fail(n.origin, p, "must be between 0 and 100000 per second, got " +
                                              Quote(n.scalar));
             }
             c.out->sim.transactions.rate_per_s = v;
             j = v;
             return true;
           }},
          {"size_min", "size", false, "200 B", "", "Smallest transaction (sizes are uniform).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadTxSize(n, p, c, &c.out->sim.transactions.size_min, j);
           }},
          {"size_max", "size", false, "600 B", "", "Largest transaction.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ReadTxSize(n, p, c, &c.out->sim.transactions.size_max, j)) return false;
             if (c.out->sim.transactions.size_max < c.out->sim.transactions.size_min) {
               return c.Fail(n.origin, p, "must be at least size_min");
             }
             return true;
           }},
          {"fee_rate_min", "number (sat/B)", false, "1", "",
           "Lowest fee rate (fee rates are uniform).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadFeeRate(n, p, c, &c.out->sim.transactions.fee_rate_min, j);
           }},
          {"fee_rate_max", "number (sat/B)", false, "50", "", "Highest fee rate.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ReadFeeRate(n, p, c, &c.out->sim.transactions.fee_rate_max, j)) return false;
             if (c.out->sim.transactions.fee_rate_max < c.out->sim.transactions.fee_rate_min) {
               return c.Fail(n.origin, p, "must be at least fee_rate_min");
             }
             return true;
           }},
          {"classes", "mapping of name to share", false, "{default: 1}", "",
           "Classes to follow separately in results (`transactions.classes.<name>`); shares "
           "sum to 1.",
           &ParseClasses},
          {"mempool", "size", false, "300 MB", "",
           "Mempool size cap per node; the lowest fee rates are evicted beyond it.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::uint64_t v = 0;
             if (!ReadSize(n, p, c, &v)) return false;
             if (v < 1'000'000) return c.Fail(n.origin, p, "must be at least 1 MB");
             c.out->sim.node.mempool_max_bytes = v;
             j = FormatSize(v);
             return true;
           }},
      }};
  return t;
}

}  // namespace peerlab::scenario::detail
