// State kept side by side, one element per thread (per engine context or shard), on cache lines
// of each element's own.
//
// Why: two threads that write neighbouring objects (the end pointers of two vectors, the
// counters of two queues) take the shared cache line from each other on every write (false
// sharing), which costs a cross-core transfer where a cache hit was meant: on two threads perf
// put 4.4 % of a transaction run's samples on the first read of a message pool's free list,
// whose neighbour belonged to the other shard.
#pragma once

#include <cstddef>

namespace peerlab {

// The line size of the x86-64 and ARMv8 cores the simulator runs on (C++17's
// hardware_destructive_interference_size is 64 there too, but GCC warns that it may change
// between compiler versions, which would change object layouts across builds).
inline constexpr std::size_t kCacheLine = 64;

// A T that starts on a cache line and fills whole lines: an element of a vector of them shares
// no line with another. It is a T (a container, a pool), so it is used as one.
template <typename T>
struct alignas(kCacheLine) OnOwnLines : T {
  using T::T;
  OnOwnLines() = default;
};

}  // namespace peerlab
