// Measures what one Ed25519 signature costs on this machine: the CPU time the Tendermint family
// charges a validator for signing a vote or proposal and any node for checking one
// (docs/tendermint.md, "Signature cost"). OpenSSL's Ed25519 (EVP_DigestSign/Verify), messages of
// the length of a CometBFT vote's sign bytes.
//
//   build/release/bench/ed25519_cost [--messages N] [--batches B] [--bytes L]
//
// Prints, for signing and for verifying, the median, minimum and maximum over B batches of the
// mean time per operation in a batch of N operations (batches make a busy neighbour visible as
// spread rather than as a wrong mean).
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "peerlab/cli/cli.hpp"

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, CtxFree>;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "ed25519_cost: %s failed\n", what);
  std::exit(1);
}

Pkey MakeKey() {
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &key) <= 0) {
    Fail("key generation");
  }
  EVP_PKEY_CTX_free(ctx);
  return Pkey(key);
}

void Sign(EVP_PKEY* key, const std::vector<std::uint8_t>& msg, std::uint8_t* sig) {
  MdCtx ctx(EVP_MD_CTX_new());
  std::size_t len = 64;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) <= 0 ||
      EVP_DigestSign(ctx.get(), sig, &len, msg.data(), msg.size()) <= 0 || len != 64) {
    Fail("signing");
  }
}

bool Verify(EVP_PKEY* key, const std::vector<std::uint8_t>& msg, const std::uint8_t* sig) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) <= 0) {
    Fail("verify init");
  }
  return EVP_DigestVerify(ctx.get(), sig, 64, msg.data(), msg.size()) == 1;
}

struct Spread {
  double median, min, max;
};

Spread Summarise(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  long messages = 2000, batches = 15, bytes = 160;
  CLI::App app{"Time per Ed25519 sign and verify (OpenSSL), median/min/max over B batches of N "
               "operations\non L-byte messages.",
               "ed25519_cost"};
  peerlab::cli::Configure(app);
  app.add_option("--messages", messages, "operations per batch (default 2000)")
      ->type_name("N")
      ->check(peerlab::cli::Integer(1, 10'000'000));
  app.add_option("--batches", batches, "batches (default 15)")
      ->type_name("B")
      ->check(peerlab::cli::Integer(1, 10'000));
  app.add_option("--bytes", bytes, "message length in bytes (default 160)")
      ->type_name("L")
      ->check(peerlab::cli::Integer(1, 1 << 20));
  if (auto done = peerlab::cli::Parse(app, argc, argv, 1)) return *done;
  const Pkey key = MakeKey();
  std::vector<std::vector<std::uint8_t>> msgs(static_cast<std::size_t>(messages),
                                              std::vector<std::uint8_t>(bytes));
  for (std::size_t m = 0; m < msgs.size(); ++m) {
    for (std::size_t b = 0; b < msgs[m].size(); ++b) msgs[m][b] = static_cast<std::uint8_t>(m * 31 + b);
  }
  std::vector<std::uint8_t> sigs(msgs.size() * 64);
  std::vector<double> sign_us, verify_us;
  using Clock = std::chrono::steady_clock;
  for (long b = 0; b < batches; ++b) {
    auto t0 = Clock::now();
    for (std::size_t m = 0; m < msgs.size(); ++m) Sign(key.get(), msgs[m], &sigs[m * 64]);
    auto t1 = Clock::now();
    std::size_t good = 0;
    for (std::size_t m = 0; m < msgs.size(); ++m) good += Verify(key.get(), msgs[m], &sigs[m * 64]);
    auto t2 = Clock::now();
    if (good != msgs.size()) Fail("verification of a good signature");
    sign_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / messages);
    verify_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count() / messages);
  }
  sigs[0] ^= 1;  // a damaged signature must not verify, or the timings measure nothing
  if (Verify(key.get(), msgs[0], &sigs[0])) Fail("rejection of a damaged signature");
  const Spread s = Summarise(sign_us), v = Summarise(verify_us);
  std::printf("ed25519 %ld-byte messages, %ld batches of %ld (%s)\n", bytes, batches,
              messages, OPENSSL_VERSION_TEXT);
  std::printf("sign   us/op: median %.2f  min %.2f  max %.2f\n", s.median, s.min, s.max);
  std::printf("verify us/op: median %.2f  min %.2f  max %.2f\n", v.median, v.min, v.max);
  return 0;
}
