#include "peerlab/analysis/closed_forms.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "peerlab/util/assert.hpp"

namespace peerlab::analysis {
namespace {

// 1 - x^n for 0 <= x, computed without cancellation when x is close to 1.
double OneMinusPower(double x, double n) {
  if (x == 0.0) return 1.0;
  return -std::expm1(n * std::log(x));
}

// A walk on the attacker's lead (attacker blocks minus honest blocks) that rises with
// probability q and falls with probability 1 - q, started `deficit` below zero: the chance that
// it reaches +1 before it falls to -max_deficit. The classic gambler's ruin on 0..N with
// N = max_deficit + 1, started at x = max_deficit - deficit, with ratio r = q / p:
//   P = (1 - r^-x) / (1 - r^-N) = r^(N-x) (1 - r^x) / (1 - r^N),
// written in whichever form keeps every power at most 1 (no overflow for small or large q).
double LeadBeforeRuin(double q, int deficit, int max_deficit) {
  PEERLAB_ASSERT(0 <= deficit && deficit < max_deficit);
  const double p = 1.0 - q;
  const double n = static_cast<double>(max_deficit) + 1.0;
  const double x = static_cast<double>(max_deficit - deficit);
  if (q == p) return x / n;  // the fair walk: reach probabilities are linear in the start
  if (q < p) {
    const double r = q / p;
    return std::pow(r, n - x) * OneMinusPower(r, x) / OneMinusPower(r, n);
  }
  const double inverse_r = p / q;
  return OneMinusPower(inverse_r, x) / OneMinusPower(inverse_r, n);
}

}  // namespace

double EyalSirerRevenue(double alpha, double gamma) {
  PEERLAB_ASSERT(0.0 <= alpha && alpha < 0.5);
  PEERLAB_ASSERT(0.0 <= gamma && gamma <= 1.0);
  const double a = alpha;
  const double numerator = a * (1 - a) * (1 - a) * (4 * a + gamma * (1 - 2 * a)) - a * a * a;
  const double denominator = 1 - a * (1 + (2 - a) * a);  // >= 1/8 on [0, 0.5)
  return numerator / denominator;
}

double NakamotoDoubleSpend(double q, int z) {
  PEERLAB_ASSERT(0.0 <= q && q <= 1.0);
  PEERLAB_ASSERT(z >= 0);
  if (z == 0 || q >= 0.5) return 1.0;
  if (q == 0.0) return 0.0;
  const double p = 1.0 - q;
  const double ratio = q / p;
  const double lambda = z * ratio;
  // Poisson weights in log space: e^-lambda alone underflows once z is a few hundred.
  double log_poisson = -lambda;  // log of e^-l l^k / k! at k = 0
  double sum = 1.0;
  for (int k = 0; k <= z; ++k) {
    if (k > 0) log_poisson += std::log(lambda) - std::log(static_cast<double>(k));
    sum -= std::exp(log_poisson) * OneMinusPower(ratio, z - k);
  }
  return sum;
}

double RosenfeldDoubleSpend(double q, int z) {
  PEERLAB_ASSERT(0.0 <= q && q <= 1.0);
  PEERLAB_ASSERT(z >= 0);
  if (z == 0 || q >= 0.5) return 1.0;
  if (q == 0.0) return 0.0;  // the pre-mined block alone never outgrows z >= 1 honest blocks
  const double p = 1.0 - q;
  const double log_p = std::log(p);
  const double log_q = std::log(q);
  // log C(m+z-1, m), updated by C(m+z-1, m) = C(m+z-2, m-1) (m+z-1) / m; logs keep the
  // coefficients and the powers finite for any z an int can hold.
  double log_binomial = 0.0;
  double sum = 0.0;
  for (int m = 0; m <= z; ++m) {
    if (m > 0) {
      log_binomial += std::log(static_cast<double>(m + z - 1)) - std::log(static_cast<double>(m));
    }
    sum += std::exp(log_binomial + z * log_p + m * log_q) -
           std::exp(log_binomial + m * log_p + z * log_q);
  }
  return 1.0 - sum;
}

double DoubleSpendSuccess(double q, int z, int max_deficit, bool premine) {
  PEERLAB_ASSERT(0.0 <= q && q < 1.0);
  PEERLAB_ASSERT(z >= 0);
  PEERLAB_ASSERT(max_deficit >= 1);
  const double p = 1.0 - q;
  const int start = premine ? 1 : 0;
  // An attacker chain of z + 1 blocks before the merchant accepts is a certain success: a only
  // grows, so a > h = z holds when h reaches z, and h - a < 0 rules out giving up on the way.
  const int secured_length = z + 1;
  if (start >= secured_length) return 1.0;  // z = 0 with the pre-mined block

  // Phase 1: arriving[a] = probability that the attempt is still running at the moment the
  // honest chain reaches height h (or starts, for h = 0) with the attacker's chain at a.
  double secured = 0.0;
  std::vector<double> arriving(secured_length, 0.0);
  arriving[start] = 1.0;
  std::vector<double> visiting(secured_length, 0.0);
  for (int h = 0; h < z; ++h) {
    // Within honest height h the attacker's chain only grows, so each (h, a) is visited at
    // most once: P(visit a) = P(arrive at a) + q P(visit a - 1).
    for (int a = 0; a < secured_length; ++a) {
      visiting[a] = arriving[a] + (a > 0 ? q * visiting[a - 1] : 0.0);
    }
    secured += q * visiting[secured_length - 1];
    // The next honest block: the attempt continues unless it leaves the attacker
    // max_deficit behind.
    for (int a = 0; a < secured_length; ++a) {
      arriving[a] = (h + 1) - a >= max_deficit ? 0.0 : p * visiting[a];
    }
  }

  // Phase 2: the merchant has accepted (h = z, a <= z). From here only the lead matters: the
  // attacker wins at lead +1 and gives up at lead -max_deficit.
  double success = secured;
  for (int a = 0; a < secured_length; ++a) {
    if (z - a >= max_deficit) continue;  // gave up on the way (arriving[a] is 0)
    success += arriving[a] * LeadBeforeRuin(q, z - a, max_deficit);
  }
  return success;
}

double CensorshipExpectedDelayBlocks(double censor_share) {
  PEERLAB_ASSERT(0.0 <= censor_share && censor_share < 1.0);
  return 1.0 / (1.0 - censor_share);
}

double CensorshipDelayQuantile(double censor_share, double quantile) {
  PEERLAB_ASSERT(0.0 <= censor_share && censor_share < 1.0);
  PEERLAB_ASSERT(0.0 < quantile && quantile < 1.0);
  if (censor_share == 0.0) return 1.0;
  // P(K <= k) >= quantile  <=>  c^k <= 1 - quantile. Compared in that form (pow of a whole
  // exponent and 1 - quantile are exact or correctly rounded in the common cases), so exact
  // ties such as c = 0.5, quantile = 0.75 land on k = 2 rather than on a rounding error.
  const double tail = 1.0 - quantile;
  const auto reached = [&](double k) { return std::pow(censor_share, k) <= tail; };
  // The logarithm gives k to within a step; the loops settle the boundary.
  double k = std::max(1.0, std::ceil(std::log(tail) / std::log(censor_share)));
  while (!reached(k)) k += 1.0;
  while (k > 1.0 && reached(k - 1.0)) k -= 1.0;
  return k;
}

}  // namespace peerlab::analysis
