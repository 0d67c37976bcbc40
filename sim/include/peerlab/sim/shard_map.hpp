// ShardMap: which shard of the parallel engine owns a node (engine_shards.cpp). Shards are
// blocks of consecutive node indexes of about equal size. Results never depend on the map
// (event keys and held work carry their place in the one total order); only speed does.
#pragma once

#include <algorithm>
#include <cstdint>

namespace peerlab::sim {

class ShardMap {
 public:
  ShardMap() = default;
  // `shards` blocks over `nodes` nodes (shards >= 1).
  ShardMap(std::uint32_t nodes, std::uint32_t shards)
      : count_(std::max<std::uint32_t>(1, shards)),
        // node * scale_ >> 32 is about node * shards / nodes, without a division per call.
        scale_(((std::uint64_t{count_} << 32) + nodes - 1) / std::max<std::uint32_t>(1, nodes)) {}
  std::uint32_t count() const { return count_; }
  std::uint32_t ShardOf(std::uint32_t node) const {
    if (count_ == 1) return 0;
    return std::min<std::uint32_t>(count_ - 1, static_cast<std::uint32_t>((node * scale_) >> 32));
  }

 private:
  std::uint32_t count_ = 1;
  std::uint64_t scale_ = 0;
};

}  // namespace peerlab::sim
