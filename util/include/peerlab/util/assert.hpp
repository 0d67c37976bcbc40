// Assertions that stay on in every build type (TigerBeetle's habit): a broken invariant in a
// simulation must stop the run loudly rather than produce plausible but wrong numbers.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace peerlab::util {
[[noreturn]] inline void AssertFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "peerlab: assertion failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}
}  // namespace peerlab::util

#define PEERLAB_ASSERT(expr) \
  ((expr) ? static_cast<void>(0) : ::peerlab::util::AssertFailed(#expr, __FILE__, __LINE__))
