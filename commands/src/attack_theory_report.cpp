#include "attack_theory_report.hpp"

#include <cstdio>

#include "peerlab/analysis/closed_forms.hpp"
#include "peerlab/analysis/markov.hpp"

namespace peerlab::commands {
namespace {

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4f", v);
  return buf;
}

bool Number(const Json& n, double* out) {
  if (!n.is_number()) return false;
  *out = n.get<double>();
  return true;
}

}  // namespace

const Json& At(const Json& node, std::string_view key) {
  static const Json kMissing;
  if (!node.is_object()) return kMissing;
  const auto it = node.find(std::string(key));
  return it == node.end() ? kMissing : *it;
}

const Json& Items(const Json& node) {
  static const Json kNone = Json::array();
  return node.is_array() ? node : kNone;
}

std::string AttackTheoryLines(const std::string& group, const Json& adversary,
                              const Json& resolved_scenario) {
  const Json& kind_node = At(adversary, "kind");
  const std::string kind = kind_node.is_string() ? kind_node.get<std::string>() : "";
  double alpha = 0;
  if (!Number(At(adversary, "hashrate"), &alpha)) return "";
  const Json& strategy = At(At(At(resolved_scenario, "groups"), group), "strategy");
  std::string md;
  if (kind == "selfish-mining") {
    double gamma = 0, revenue = 0;
    if (alpha >= 0.5 || !Number(At(adversary, "observed_gamma"), &gamma) ||
        !Number(At(adversary, "revenue_share"), &revenue)) {
      return "";
    }
    md += "- theory: Eyal & Sirer's revenue at alpha " + Fixed(alpha) + " and the observed gamma " +
          Fixed(gamma) + " is " + Fixed(analysis::EyalSirerRevenue(alpha, gamma)) +
          " (their Markov chain: " + Fixed(analysis::SolveSelfishMiningChain(alpha, gamma).revenue) +
          "); simulated " + Fixed(revenue) + "\n";
  } else if (kind == "double-spend") {
    double rate = 0, z = 0, deficit = 0;
    if (!Number(At(adversary, "success_rate"), &rate) || strategy.is_null() ||
        !Number(At(strategy, "confirmations"), &z) || !Number(At(strategy, "max_deficit"), &deficit) ||
        alpha >= 1) {
      return "";
    }
    const bool premine = At(strategy, "premine") == true;
    md += "- theory: exact success probability of these rules (q " + Fixed(alpha) + ", z " +
          std::to_string(static_cast<int>(z)) + ", give up " +
          std::to_string(static_cast<int>(deficit)) + " behind" +
          (premine ? ", premined" : "") + ") " +
          Fixed(analysis::DoubleSpendSuccess(alpha, static_cast<int>(z), static_cast<int>(deficit),
                                             premine)) +
          "; simulated " + Fixed(rate) + "\n";
    md += "- for reference (never giving up): Rosenfeld " +
          Fixed(analysis::RosenfeldDoubleSpend(alpha, static_cast<int>(z))) + ", Nakamoto " +
          Fixed(analysis::NakamotoDoubleSpend(alpha, static_cast<int>(z))) + "\n";
  } else if (kind == "censor") {
    const Json& mode = At(strategy, "mode");
    const bool exclude = mode.is_null() || mode == "exclude";
    double mean = 0;
    if (!exclude || alpha >= 1 || !Number(At(At(adversary, "censored_tx_delay_blocks"), "mean"), &mean)) {
      return "";
    }
    md += "- theory: with a censoring share of " + Fixed(alpha) +
          " the delay in blocks is geometric, mean " +
          Fixed(analysis::CensorshipExpectedDelayBlocks(alpha)) + ", p90 " +
          Fixed(analysis::CensorshipDelayQuantile(alpha, 0.9)) + "; simulated mean " +
          Fixed(mean) + "\n";
  }
  return md;
}

}  // namespace peerlab::commands
