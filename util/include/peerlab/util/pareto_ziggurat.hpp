// ParetoZiggurat: draws from the Pareto (type I) distribution of scale 1 and shape alpha > 1
// (density alpha / z^(alpha + 1) on z >= 1) without a power function on the common path.
//
// Why: the latency jitter draws one Pareto number per message, and u^(-1/alpha) by `pow` was
// 4 to 5 % of every instruction a Bitcoin run executes (callgrind, bitcoin.yaml at 1,000 nodes).
//
// How: the ziggurat method (Marsaglia and Tsang 2000, "The Ziggurat Method for Generating Random
// Variables", Journal of Statistical Software 5(8)) on the density of y = z - 1, which decreases
// from its mode at 0. 256 layers of equal area cover it: a base strip (a rectangle up to r and
// the tail beyond r) and 255 rectangles stacked above it. A draw picks a layer and a point
// across its width with one 64-bit random number; when the point lies left of the next layer's
// edge it is under the density and is returned (most draws). Otherwise the exact density decides
// (a wedge: one more uniform number and one `pow`), or, from the base strip, the tail is drawn
// exactly (r + 1 times a Pareto number). The result is exact in distribution (the layers are
// solved to double precision at construction); the numbers differ from the inverse-CDF draw's.
//
// Contract: Draw returns z >= 1; the same stream state gives the same z on every platform whose
// `pow` gives the same construction-time tables (the tables depend only on alpha).
#pragma once

#include <array>
#include <cstdint>

#include "peerlab/util/rng.hpp"

namespace peerlab {

class ParetoZiggurat {
 public:
  static constexpr int kLayers = 256;
  // Shapes above this draw as this shape: every draw is then below 1 + 4e-11 (at most
  // 1 + 37 / shape, as the least uniform number is 2^-53), so a latency moves by less than a
  // nanosecond below 25 s; beyond about 10^15 the layers' edges would no longer be distinct
  // doubles.
  static constexpr double kMaxShape = 1e12;

  // Any finite shape > 1 (above kMaxShape it draws as kMaxShape).
  explicit ParetoZiggurat(double shape);

  double alpha() const { return alpha_; }

  // A standard Pareto number (scale 1): z >= 1.
  double Draw(Rng& rng) const {
    for (;;) {
      const std::uint64_t bits = rng.Next();
      const auto layer = static_cast<std::uint32_t>(bits & (kLayers - 1));
      // The upper 53 bits, disjoint from the layer's 8: a point across the layer's width.
      const double y = static_cast<double>(bits >> 11) * 0x1.0p-53 * edge_[layer];
      if (y < edge_[layer + 1]) return 1.0 + y;  // under the density for sure
      if (layer == 0) return Tail(rng);
      if (InWedge(rng, layer, y)) return 1.0 + y;
    }
  }

  // The share of draws that take the fast path (a test and docs figure): the rectangles'
  // parts left of the next layer's edge, over the whole area.
  double FastShare() const;

 private:
  // The density of y = z - 1.
  double Density(double y) const;
  double Tail(Rng& rng) const;
  // Layer `layer` (>= 1), point y right of the next layer's edge: under the density?
  bool InWedge(Rng& rng, std::uint32_t layer, double y) const;

  double alpha_;
  // edge_[0]: the base strip's width as a rectangle of the layers' area (beyond r: the tail);
  // edge_[1] = r, edge_[i] for the layers above, edge_[kLayers] = 0.
  std::array<double, kLayers + 1> edge_{};
  // The density at each edge (height_[kLayers]: at 0, the mode).
  std::array<double, kLayers + 1> height_{};
};

}  // namespace peerlab
