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

bool Number(const YAML::Node& n, double* out) {
  if (!n || !n.IsScalar() || n.Scalar() == "null") return false;
  try {
    *out = n.as<double>();
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

}  // namespace

std::string AttackTheoryLines(const std::string& group, const YAML::Node& adversary,
                              const YAML::Node& resolved_scenario) {
  const std::string kind = adversary["kind"] ? adversary["kind"].Scalar() : "";
  double alpha = 0;
  if (!Number(adversary["hashrate"], &alpha)) return "";
  YAML::Node strategy;
  if (resolved_scenario && resolved_scenario["groups"] && resolved_scenario["groups"][group]) {
    strategy = resolved_scenario["groups"][group]["strategy"];
  }
  std::string md;
  if (kind == "selfish-mining") {
    double gamma = 0, revenue = 0;
    if (alpha >= 0.5 || !Number(adversary["observed_gamma"], &gamma) ||
        !Number(adversary["revenue_share"], &revenue)) {
      return "";
    }
    md += "- theory: Eyal & Sirer's revenue at alpha " + Fixed(alpha) + " and the observed gamma " +
          Fixed(gamma) + " is " + Fixed(analysis::EyalSirerRevenue(alpha, gamma)) +
          " (their Markov chain: " + Fixed(analysis::SolveSelfishMiningChain(alpha, gamma).revenue) +
          "); simulated " + Fixed(revenue) + "\n";
  } else if (kind == "double-spend") {
    double rate = 0, z = 0, deficit = 0;
    if (!Number(adversary["success_rate"], &rate) || !strategy ||
        !Number(strategy["confirmations"], &z) || !Number(strategy["max_deficit"], &deficit) ||
        alpha >= 1) {
      return "";
    }
    const bool premine = strategy["premine"] && strategy["premine"].Scalar() == "true";
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
    const bool exclude = !strategy || !strategy["mode"] || strategy["mode"].Scalar() == "exclude";
    double mean = 0;
    const YAML::Node delay = adversary["censored_tx_delay_blocks"];
    if (!exclude || alpha >= 1 || !delay || !Number(delay["mean"], &mean)) return "";
    md += "- theory: with a censoring share of " + Fixed(alpha) +
          " the delay in blocks is geometric, mean " +
          Fixed(analysis::CensorshipExpectedDelayBlocks(alpha)) + ", p90 " +
          Fixed(analysis::CensorshipDelayQuantile(alpha, 0.9)) + "; simulated mean " +
          Fixed(mean) + "\n";
  }
  return md;
}

}  // namespace peerlab::commands
