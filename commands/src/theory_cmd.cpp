// `peerlab theory selfish-mining|double-spend|tendermint`: prints the closed forms, the Markov chain and
// the optimal-strategy MDP of analysis/ as one JSON object, so a run's measured numbers can be
// set beside theory from the shell. Every user error is one line on stderr and exit status 2.
#include "peerlab/commands/theory_cmd.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>

#include "peerlab/analysis/closed_forms.hpp"
#include "peerlab/analysis/markov.hpp"
#include "peerlab/analysis/optimal_selfish.hpp"
#include "peerlab/results/json.hpp"
#include "peerlab/tendermint/theory.hpp"

namespace peerlab::commands {
namespace {

constexpr int kExitUsage = 2;
// Larger z only repeats Rosenfeld's and Nakamoto's loops for numbers that are already 0.
constexpr long long kMaxConfirmations = 1000000;
// Policy iteration on (T + 1)^2 * 3 states: 200 takes about a minute.
constexpr long long kMaxForkLengthLimit = 200;

constexpr const char* kTheoryHelp = R"HELP(Usage:
  peerlab theory selfish-mining --alpha A --gamma G [--optimal [--max-fork-length T]]
  peerlab theory double-spend --q Q --z Z
  peerlab theory tendermint --validators N --byzantine K

Prints attack theory as one JSON object (docs/theory.md); nothing is simulated.

selfish-mining: a pool with hashrate share A (0 <= A < 0.5); G (0 <= G <= 1) is the share of
  honest hashrate that mines on the pool's block during a tie.
    closed_form   Eyal & Sirer's revenue share of their strategy SM1 (FC 2014)
    markov_chain  the same from their Markov chain, solved numerically (truncation error < 1e-12)
    optimal       with --optimal: the best revenue share over all withholding strategies,
                  Sapirshtein, Sompolinsky & Zohar's MDP (FC 2016), branches of at most T
                  blocks (default 94, at which the paper's Table 1 is reproduced digit for
                  digit; longer branches raise the value for A >= 0.4). There G applies only
                  after the attacker chooses to match (publish a branch as long as the
                  public one). Takes 1-3 seconds.
double-spend: an attacker with hashrate share Q (0 <= Q <= 1) against a merchant waiting for
  Z confirmations (an integer >= 0).
    nakamoto      the whitepaper's Poisson approximation (section 11)
    rosenfeld     Rosenfeld's exact probability (2014), attacker with one pre-mined block
tendermint: N validators of equal voting power (1 <= N <= 100000), K of them (0 <= K < N) at
  random places in CometBFT's proposer rotation (docs/tendermint.md, "Theory").
    rounds_per_height      expected rounds per height when the K are silent: (N+1)/(N-K+1)
    censored_extra_heights expected extra heights a transaction waits when the K leave its
                           class out of their proposals: K/(N-K+1)
    commits_stop           whether the K silent hold more than a third of the power (then no
                           height commits: nothing is decided without +2/3)

Exit status: 0 ok, 2 bad input.
)HELP";

int Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return kExitUsage;
}

// Flags and their values, from "--name value" or "--name=value"; switches have no value.
struct Flags {
  std::map<std::string, std::string> values;
  bool optimal = false;
  bool help = false;
};

bool ParseFlags(int argc, char** argv, int first, bool allow_optimal, Flags& flags,
                std::string& error) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      flags.help = true;
      continue;
    }
    if (arg == "--optimal") {
      if (!allow_optimal) {
        error = "--optimal: only for selfish-mining (see peerlab theory --help)";
        return false;
      }
      flags.optimal = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      error = arg + ": unexpected argument (see peerlab theory --help)";
      return false;
    }
    std::string value;
    const auto equals = arg.find('=');
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      error = arg + ": needs a value";
      return false;
    }
    flags.values[arg] = value;
  }
  return true;
}

std::optional<std::string> Value(const Flags& flags, const std::string& name,
                                 std::string& error) {
  const auto it = flags.values.find(name);
  if (it == flags.values.end()) {
    error = name + ": missing (see peerlab theory --help)";
    return std::nullopt;
  }
  return it->second;
}

// A finite number written in full (no trailing text), in [low, high] (or [low, high) if
// `high_open`).
bool ParseNumber(const Flags& flags, const std::string& name, double low, double high,
                 bool high_open, double& out, std::string& error) {
  const auto text = Value(flags, name, error);
  if (!text) return false;
  const char* begin = text->c_str();
  const char* end = begin + text->size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || ptr != end || text->empty() || !std::isfinite(out)) {
    error = name + ": expected a number, got '" + *text + "'";
    return false;
  }
  if (out < low || out > high || (high_open && out == high)) {
    char range[64];
    std::snprintf(range, sizeof(range), "[%g, %g%s", low, high, high_open ? ")" : "]");
    error = name + ": must be in " + range + ", got " + *text;
    return false;
  }
  return true;
}

bool ParseInteger(const Flags& flags, const std::string& name, long long low, long long high,
                  long long& out, std::string& error) {
  const auto text = Value(flags, name, error);
  if (!text) return false;
  const char* begin = text->c_str();
  const char* end = begin + text->size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || ptr != end || text->empty()) {
    error = name + ": expected an integer, got '" + *text + "'";
    return false;
  }
  if (out < low || out > high) {
    error = name + ": must be between " + std::to_string(low) + " and " + std::to_string(high) +
            ", got " + *text;
    return false;
  }
  return true;
}

bool RejectUnknown(const Flags& flags, std::initializer_list<const char*> known,
                   std::string& error) {
  for (const auto& [name, value] : flags.values) {
    bool found = false;
    for (const char* k : known) found = found || name == k;
    if (!found) {
      error = name + ": unknown option (see peerlab theory --help)";
      return false;
    }
  }
  return true;
}

int SelfishMining(int argc, char** argv) {
  Flags flags;
  std::string error;
  if (!ParseFlags(argc, argv, 3, true, flags, error)) return Fail(error);
  if (flags.help) {
    std::fputs(kTheoryHelp, stdout);
    return 0;
  }
  if (!RejectUnknown(flags, {"--alpha", "--gamma", "--max-fork-length"}, error)) {
    return Fail(error);
  }
  double alpha = 0.0;
  double gamma = 0.0;
  if (!ParseNumber(flags, "--alpha", 0.0, 0.5, true, alpha, error)) return Fail(error);
  if (!ParseNumber(flags, "--gamma", 0.0, 1.0, false, gamma, error)) return Fail(error);
  long long max_fork_length = analysis::kOptimalSelfishDefaultMaxForkLength;
  if (flags.values.count("--max-fork-length")) {
    if (!flags.optimal) return Fail("--max-fork-length: only with --optimal");
    if (!ParseInteger(flags, "--max-fork-length", 2, kMaxForkLengthLimit, max_fork_length,
                      error)) {
      return Fail(error);
    }
  }

  results::JsonWriter w(false);
  w.BeginObject();
  w.Key("alpha").Double(alpha);
  w.Key("gamma").Double(gamma);
  w.Key("closed_form").Double(analysis::EyalSirerRevenue(alpha, gamma));
  w.Key("markov_chain").Double(analysis::SolveSelfishMiningChain(alpha, gamma).revenue);
  if (flags.optimal) {
    w.Key("optimal").Double(
        analysis::OptimalSelfishMiningRevenue(alpha, gamma, static_cast<int>(max_fork_length)));
    w.Key("max_fork_length").Int(max_fork_length);
  }
  w.EndObject();
  std::fputs(w.Finish().c_str(), stdout);
  return 0;
}

// A subcommand's flags without --optimal: false with `status` set when it is done already
// (--help printed, or a usage error reported).
bool ReadFlags(int argc, char** argv, std::initializer_list<const char*> known, Flags& flags,
               std::string& error, int& status) {
  if (!ParseFlags(argc, argv, 3, false, flags, error)) {
    status = Fail(error);
    return false;
  }
  if (flags.help) {
    std::fputs(kTheoryHelp, stdout);
    status = 0;
    return false;
  }
  if (!RejectUnknown(flags, known, error)) {
    status = Fail(error);
    return false;
  }
  return true;
}

int DoubleSpend(int argc, char** argv) {
  Flags flags;
  std::string error;
  int status = 0;
  if (!ReadFlags(argc, argv, {"--q", "--z"}, flags, error, status)) return status;
  double q = 0.0;
  long long z = 0;
  if (!ParseNumber(flags, "--q", 0.0, 1.0, false, q, error)) return Fail(error);
  if (!ParseInteger(flags, "--z", 0, kMaxConfirmations, z, error)) return Fail(error);

  results::JsonWriter w(false);
  w.BeginObject();
  w.Key("q").Double(q);
  w.Key("z").Int(z);
  w.Key("nakamoto").Double(analysis::NakamotoDoubleSpend(q, static_cast<int>(z)));
  w.Key("rosenfeld").Double(analysis::RosenfeldDoubleSpend(q, static_cast<int>(z)));
  w.EndObject();
  std::fputs(w.Finish().c_str(), stdout);
  return 0;
}

int Tendermint(int argc, char** argv) {
  Flags flags;
  std::string error;
  int status = 0;
  if (!ReadFlags(argc, argv, {"--validators", "--byzantine"}, flags, error, status)) return status;
  long long n = 0, k = 0;
  if (!ParseInteger(flags, "--validators", 1, 100000, n, error)) return Fail(error);
  if (!ParseInteger(flags, "--byzantine", 0, n - 1, k, error)) return Fail(error);
  const int ni = static_cast<int>(n), ki = static_cast<int>(k);
  results::JsonWriter w(false);
  w.BeginObject();
  w.Key("validators").Int(n);
  w.Key("byzantine").Int(k);
  w.Key("commits_stop").Bool(3 * k > n);
  // Silent proposers beyond a third stop every height, so the expectation is of a run that
  // commits; it is still reported (the replay would never end).
  w.Key("rounds_per_height").Double(tendermint::ExpectedRoundsEqualPowers(ni, ki));
  w.Key("censored_extra_heights").Double(tendermint::ExpectedRoundsEqualPowers(ni, ki) - 1.0);
  w.EndObject();
  std::fputs(w.Finish().c_str(), stdout);
  return 0;
}

}  // namespace

int TheoryMain(int argc, char** argv) {
  if (argc < 3) {
    return Fail("theory: missing subcommand: selfish-mining, double-spend or tendermint (see "
                "peerlab theory --help)");
  }
  const std::string sub = argv[2];
  if (sub == "-h" || sub == "--help") {
    std::fputs(kTheoryHelp, stdout);
    return 0;
  }
  if (sub == "selfish-mining") return SelfishMining(argc, argv);
  if (sub == "double-spend") return DoubleSpend(argc, argv);
  if (sub == "tendermint") return Tendermint(argc, argv);
  return Fail(sub + ": unknown theory subcommand (selfish-mining, double-spend, tendermint; see "
                    "peerlab theory --help)");
}

}  // namespace peerlab::commands
