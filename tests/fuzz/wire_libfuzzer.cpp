// libFuzzer entry point for the wire codec (built with -DPEERLAB_LIBFUZZER=ON and clang):
//   build/fuzz/tests/fuzz/wire_libfuzzer -max_len=4096 -malloc_limit_mb=256 corpus/
// Arbitrary bytes go to the FrameDecoder (in chunks) and, as a payload, to every Decode.
#include <cstddef>
#include <cstdint>

#include "wire_mutator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  peerlab::wire_fuzz::CheckArbitraryBytes(std::span<const std::uint8_t>(data, size));
  return 0;
}
