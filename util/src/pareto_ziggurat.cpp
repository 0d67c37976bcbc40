#include "peerlab/util/pareto_ziggurat.hpp"

#include <algorithm>
#include <cmath>

namespace peerlab {
namespace {

// The density of y = z - 1 for a standard Pareto z of shape alpha.
double DensityOfExcess(double alpha, double y) { return alpha * std::pow(1.0 + y, -(alpha + 1.0)); }

// The layers' edges for a base strip ending at r, as far as they go: returns how far the last
// layer's top lies above the density's mode (negative: the layers end below it, r too large;
// positive or an early overshoot: r too small).
double StackLayers(double alpha, double r, std::array<double, ParetoZiggurat::kLayers + 1>& edge) {
  const auto density = [alpha](double y) { return DensityOfExcess(alpha, y); };
  const auto inverse = [alpha](double h) { return std::pow(alpha / h, 1.0 / (alpha + 1.0)) - 1.0; };
  const double area = r * density(r) + std::pow(1.0 + r, -alpha);  // base rectangle and tail
  edge[0] = area / density(r);
  edge[1] = r;
  for (int i = 1; i < ParetoZiggurat::kLayers; ++i) {
    const double top = density(edge[i]) + area / edge[i];
    if (i == ParetoZiggurat::kLayers - 1) return top - alpha;
    if (top >= alpha) return 1.0;  // past the mode before the last layer
    edge[i + 1] = inverse(top);
  }
  return 0.0;  // not reached
}

}  // namespace

ParetoZiggurat::ParetoZiggurat(double shape) : alpha_(std::min(shape, kMaxShape)) {
  PEERLAB_ASSERT(shape > 1.0 && std::isfinite(shape));
  const double alpha = alpha_;
  // Bisection on r until the bounds are neighbouring doubles: the top layer then has the
  // layers' common area to double precision. Small r overshoots. The tail beyond r is less
  // than one layer's area, 1/256 of the whole: (1 + r)^-alpha < 1/256, so r < 255 for any
  // alpha > 1, and at 1024 the layers end below the mode.
  double low = 0.0, high = 1024.0;
  PEERLAB_ASSERT(StackLayers(alpha, high, edge_) < 0);
  while (true) {
    const double mid = low + (high - low) / 2;
    if (mid <= low || mid >= high) break;
    if (StackLayers(alpha, mid, edge_) > 0) {
      low = mid;
    } else {
      high = mid;
    }
  }
  StackLayers(alpha, high, edge_);
  edge_[kLayers] = 0.0;
  for (int i = 1; i < kLayers; ++i) height_[i] = Density(edge_[i]);
  height_[0] = 0.0;
  height_[kLayers] = alpha;  // the density at its mode
  for (int i = 0; i < kLayers; ++i) PEERLAB_ASSERT(edge_[i] > edge_[i + 1]);
}

double ParetoZiggurat::Density(double y) const { return DensityOfExcess(alpha_, y); }

double ParetoZiggurat::Tail(Rng& rng) const {
  // Beyond r the distribution is again Pareto, of scale 1 + r: drawn by its inverse CDF.
  return (1.0 + edge_[1]) * std::pow(rng.UniformOpenZero(), -1.0 / alpha_);
}

bool ParetoZiggurat::InWedge(Rng& rng, std::uint32_t layer, double y) const {
  const double h = height_[layer] + rng.Uniform() * (height_[layer + 1] - height_[layer]);
  return h < Density(y);
}

double ParetoZiggurat::FastShare() const {
  double sum = 0;
  for (int i = 0; i < kLayers; ++i) sum += edge_[i + 1] / edge_[i];
  return sum / kLayers;
}

}  // namespace peerlab
