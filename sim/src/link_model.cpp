#include "peerlab/sim/link_model.hpp"

#include <algorithm>
#include <cmath>

#include "peerlab/sim/rng_purposes.hpp"

namespace peerlab::sim {

LinkModel::LinkModel(const RegionTable& regions, const JitterSpec& jitter, std::uint64_t seed)
    : region_count_(regions.size()), jitter_(jitter), seed_(seed) {
  PEERLAB_ASSERT(regions.latency_ms.size() == region_count_ * region_count_);
  latency_ns_.reserve(regions.latency_ms.size());
  for (double ms : regions.latency_ms) latency_ns_.push_back(ms * 1e6);
  if (jitter_.kind == JitterKind::kPareto) {
    pareto_.emplace(jitter_.shape);
    // The scale Rng::ParetoWithMean takes, per region pair.
    for (double mean : latency_ns_) pareto_scale_ns_.push_back(mean * (jitter_.shape - 1.0) / jitter_.shape);
  }
}

std::uint32_t LinkModel::AddNode(std::uint32_t region, double upload_bps, double download_bps) {
  PEERLAB_ASSERT(region < region_count_ && upload_bps > 0 && download_bps > 0);
  nodes_.push_back({8e9 / upload_bps, 8e9 / download_bps});
  region_.push_back(region);
  if (jitter_.kind != JitterKind::kNone) {
    jitter_rng_.emplace_back(seed_, nodes_.size() - 1, rng_purpose::kLatencyJitter);
  }
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

DurationNs LinkModel::DrawLatency(std::uint32_t from, std::uint32_t to_region) {
  const std::size_t pair = region_[from] * region_count_ + to_region;
  const double mean = latency_ns_[pair];
  double drawn = mean;
  switch (jitter_.kind) {
    case JitterKind::kNone: break;
    case JitterKind::kUniform:
      drawn = mean * (1.0 - jitter_.spread + 2.0 * jitter_.spread * jitter_rng_[from].Uniform());
      break;
    case JitterKind::kPareto:
      if (mean > 0) drawn = pareto_scale_ns_[pair] * pareto_->Draw(jitter_rng_[from]);
      break;
  }
  // Saturating: a Pareto shape near 1 has a tail far beyond any run's end.
  return SaturatingNs(drawn);
}

TimeNs LinkModel::Arrive(const Departure& d) {
  NodeLinks& r = nodes_[d.to];
  // The downlink takes the bytes as they come in (cut-through) once it is free; a message whose
  // bytes streamed out earlier (kStreamed) only waits for the downlink's backlog.
  const TimeNs down_start =
      d.up_start == Departure::kStreamed
          ? r.downlink_free_at
          : std::max(SaturatingAdd(d.up_start, d.latency), r.downlink_free_at);
  const TimeNs down_end =
      std::max(SaturatingAdd(d.up_end, d.latency),
               SaturatingAdd(down_start, TransmitTimeAt(d.bytes, r.download_ns_per_byte)));
  r.downlink_free_at = down_end;
  return down_end;
}

}  // namespace peerlab::sim
