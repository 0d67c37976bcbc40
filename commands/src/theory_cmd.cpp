// `peerlab theory selfish-mining|double-spend|tendermint`: prints the closed forms, the Markov chain and
// the optimal-strategy MDP of analysis/ as one JSON object, so a run's measured numbers can be
// set beside theory from the shell. Options are parsed with CLI11 (cli/); every user error is one
// line on stderr and exit status 2.
#include "peerlab/commands/theory_cmd.hpp"

#include <cstdio>
#include <string>

#include "peerlab/analysis/closed_forms.hpp"
#include "peerlab/analysis/markov.hpp"
#include "peerlab/analysis/optimal_selfish.hpp"
#include "peerlab/cli/cli.hpp"
#include "peerlab/results/json.hpp"
#include "peerlab/tendermint/theory.hpp"

namespace peerlab::commands {
namespace {

// Larger z only repeats Rosenfeld's and Nakamoto's loops for numbers that are already 0.
constexpr long long kMaxConfirmations = 1000000;
// Policy iteration on (T + 1)^2 * 3 states: 200 takes about a minute.
constexpr long long kMaxForkLengthLimit = 200;

constexpr const char* kTheoryFooter = R"(Each subcommand prints one JSON object (docs/theory.md); `peerlab theory SUBCOMMAND --help`
lists its options and output keys. Exit status: 0 ok, 2 bad input.)";

constexpr const char* kSelfishFooter = R"(Output keys:
  closed_form   Eyal & Sirer's revenue share of their strategy SM1 (FC 2014)
  markov_chain  the same from their Markov chain, solved numerically (truncation error < 1e-12)
  optimal       with --optimal: the best revenue share over all withholding strategies,
                Sapirshtein, Sompolinsky & Zohar's MDP (FC 2016), branches of at most T
                blocks (default 94, at which the paper's Table 1 is reproduced digit for
                digit; longer branches raise the value for A >= 0.4). There G applies only
                after the attacker chooses to match (publish a branch as long as the public
                one). Takes 1-3 seconds.
Exit status: 0 ok, 2 bad input.)";

constexpr const char* kDoubleSpendFooter = R"(Output keys:
  nakamoto      the whitepaper's Poisson approximation (section 11)
  rosenfeld     Rosenfeld's exact probability (2014), attacker with one pre-mined block
Exit status: 0 ok, 2 bad input.)";

constexpr const char* kTendermintFooter = R"(Output keys:
  rounds_per_height      expected rounds per height when the K are silent: (N+1)/(N-K+1)
  censored_extra_heights expected extra heights a transaction waits when the K leave its
                         class out of their proposals: K/(N-K+1)
  commits_stop           whether the K silent hold more than a third of the power (then no
                         height commits: nothing is decided without +2/3)
Exit status: 0 ok, 2 bad input.)";

struct SelfishArgs {
  double alpha = 0.0;
  double gamma = 0.0;
  bool optimal = false;
  long long max_fork_length = analysis::kOptimalSelfishDefaultMaxForkLength;
};

struct DoubleSpendArgs {
  double q = 0.0;
  long long z = 0;
};

struct TendermintArgs {
  long long validators = 0;
  long long byzantine = 0;
};

int SelfishMining(const SelfishArgs& args) {
  const double alpha = args.alpha;
  const double gamma = args.gamma;
  results::JsonWriter w(false);
  w.BeginObject();
  w.Key("alpha").Double(alpha);
  w.Key("gamma").Double(gamma);
  w.Key("closed_form").Double(analysis::EyalSirerRevenue(alpha, gamma));
  w.Key("markov_chain").Double(analysis::SolveSelfishMiningChain(alpha, gamma).revenue);
  if (args.optimal) {
    w.Key("optimal").Double(analysis::OptimalSelfishMiningRevenue(
        alpha, gamma, static_cast<int>(args.max_fork_length)));
    w.Key("max_fork_length").Int(args.max_fork_length);
  }
  w.EndObject();
  std::fputs(w.Finish().c_str(), stdout);
  return 0;
}

int DoubleSpend(const DoubleSpendArgs& args) {
  const double q = args.q;
  const long long z = args.z;
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

int Tendermint(const TendermintArgs& args) {
  const long long n = args.validators, k = args.byzantine;
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
  CLI::App app{"Attack theory as JSON: closed forms, Markov chain, optimal selfish mining MDP,\n"
               "Tendermint rounds; nothing is simulated.",
               "peerlab theory"};
  cli::Configure(app, kTheoryFooter);
  app.require_subcommand(1);

  SelfishArgs sm;
  CLI::App* selfish = app.add_subcommand(
      "selfish-mining",
      "Revenue share of a selfish-mining pool with hashrate share A, G the share of honest "
      "hashrate that mines on the pool's block during a tie.");
  selfish->footer(kSelfishFooter);
  cli::AddNumber(*selfish, "--alpha", sm.alpha, "the pool's hashrate share, 0 <= A < 0.5")
      ->type_name("A")
      ->required()
      ->check(cli::Number(0.0, 0.5, true));
  cli::AddNumber(*selfish, "--gamma", sm.gamma, "0 <= G <= 1")
      ->type_name("G")
      ->required()
      ->check(cli::Number(0.0, 1.0));
  CLI::Option* optimal = selfish->add_flag(
      "--optimal", sm.optimal, "also the optimal strategy's revenue share (MDP, 1-3 s)");
  selfish->add_option("--max-fork-length", sm.max_fork_length,
                      "the MDP's longest branch, 2 to 200 (default 94; with --optimal)")
      ->type_name("T")
      ->check(cli::Integer(2, kMaxForkLengthLimit))
      ->needs(optimal);

  DoubleSpendArgs ds;
  CLI::App* double_spend = app.add_subcommand(
      "double-spend",
      "Probability that an attacker with hashrate share Q reverses a payment the merchant "
      "accepted after Z confirmations.");
  double_spend->footer(kDoubleSpendFooter);
  cli::AddNumber(*double_spend, "--q", ds.q, "the attacker's hashrate share, 0 <= Q <= 1")
      ->type_name("Q")
      ->required()
      ->check(cli::Number(0.0, 1.0));
  double_spend->add_option("--z", ds.z, "confirmations, an integer >= 0")
      ->type_name("Z")
      ->required()
      ->check(cli::Integer(0, kMaxConfirmations));

  TendermintArgs tm;
  CLI::App* tendermint = app.add_subcommand(
      "tendermint",
      "N validators of equal voting power, K of them silent at random places in CometBFT's "
      "proposer rotation (docs/tendermint.md, \"Theory\").");
  tendermint->footer(kTendermintFooter);
  tendermint->add_option("--validators", tm.validators, "1 to 100000")
      ->type_name("N")
      ->required()
      ->check(cli::Integer(1, 100000));
  tendermint->add_option("--byzantine", tm.byzantine, "0 <= K < N")
      ->type_name("K")
      ->required()
      ->check(cli::Integer(0, 100000));

  if (auto done = cli::Parse(app, argc, argv, 2)) return *done;
  if (selfish->parsed()) return SelfishMining(sm);
  if (double_spend->parsed()) return DoubleSpend(ds);
  if (tm.byzantine >= tm.validators) {
    return cli::Misuse(app, "--byzantine: must be between 0 and " +
                                std::to_string(tm.validators - 1) + ", got " +
                                std::to_string(tm.byzantine));
  }
  return Tendermint(tm);
}

}  // namespace peerlab::commands
