// Proposer selection: see validator_set.hpp for the CometBFT files and commits these rules come
// from.
#include "peerlab/tendermint/validator_set.hpp"

#include <algorithm>
#include <limits>

#include "peerlab/util/assert.hpp"

namespace peerlab::tendermint {
namespace {

std::int64_t AddClip(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return r;
}

std::int64_t SubClip(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) {
    return b < 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return r;
}

// Does `a` win over `b` as proposer: larger priority, ties to the smaller address.
bool Beats(const Validator& a, const Validator& b) {
  if (a.proposer_priority != b.proposer_priority) {
    return a.proposer_priority > b.proposer_priority;
  }
  return a.address < b.address;
}

}  // namespace

std::optional<ValidatorSet> ValidatorSet::Build(std::vector<Validator> validators) {
  if (validators.empty()) return std::nullopt;
  std::sort(validators.begin(), validators.end(), [](const Validator& a, const Validator& b) {
    if (a.voting_power != b.voting_power) return a.voting_power > b.voting_power;
    return a.address < b.address;
  });
  VotingPower total = 0;
  for (std::size_t i = 0; i < validators.size(); ++i) {
    const Validator& v = validators[i];
    if (v.voting_power <= 0 || v.voting_power > kMaxTotalVotingPower) return std::nullopt;
    total += v.voting_power;  // both terms <= MaxInt64 / 8: no overflow before the check
    if (total > kMaxTotalVotingPower) return std::nullopt;
  }
  // Addresses must be unique (sorted by power first, duplicates need not be adjacent).
  std::vector<Address> addresses;
  addresses.reserve(validators.size());
  for (const Validator& v : validators) addresses.push_back(v.address);
  std::sort(addresses.begin(), addresses.end());
  if (std::adjacent_find(addresses.begin(), addresses.end()) != addresses.end()) {
    return std::nullopt;
  }
  ValidatorSet set;
  set.validators_ = std::move(validators);
  set.total_ = total;
  set.proposer_ = set.MostPriority();
  return set;
}

std::optional<ValidatorSet> ValidatorSet::Make(std::vector<Validator> validators) {
  std::optional<ValidatorSet> set = Build(std::move(validators));
  if (set) set->IncrementProposerPriority(1);
  return set;
}

std::optional<ValidatorSet> ValidatorSet::FromState(std::vector<Validator> validators) {
  return Build(std::move(validators));
}

const Validator& ValidatorSet::At(ValidatorIndex i) const {
  PEERLAB_ASSERT(i >= 0 && i < Size());
  return validators_[static_cast<std::size_t>(i)];
}

ValidatorIndex ValidatorSet::IndexOf(const Address& address) const {
  for (std::size_t i = 0; i < validators_.size(); ++i) {
    if (validators_[i].address == address) return static_cast<ValidatorIndex>(i);
  }
  return -1;
}

void ValidatorSet::RescalePriorities(std::int64_t diff_max) {
  PEERLAB_ASSERT(!validators_.empty());
  if (diff_max <= 0) return;
  std::int64_t lo = std::numeric_limits<std::int64_t>::max();
  std::int64_t hi = std::numeric_limits<std::int64_t>::min();
  for (const Validator& v : validators_) {
    lo = std::min(lo, v.proposer_priority);
    hi = std::max(hi, v.proposer_priority);
  }
  // hi - lo can exceed int64 only if priorities sit at both clip limits; saturate then.
  std::int64_t diff;
  if (__builtin_sub_overflow(hi, lo, &diff)) diff = std::numeric_limits<std::int64_t>::max();
  if (diff <= diff_max) return;
  // ceil(diff / diff_max) without the (diff + diff_max - 1) overflow risk.
  const std::int64_t ratio = diff / diff_max + (diff % diff_max != 0 ? 1 : 0);
  for (Validator& v : validators_) v.proposer_priority /= ratio;  // truncates, as Go's does
}

void ValidatorSet::CentreOnMean() {
  PEERLAB_ASSERT(!validators_.empty());
  __int128 sum = 0;
  for (const Validator& v : validators_) sum += v.proposer_priority;
  const __int128 n = static_cast<__int128>(validators_.size());
  __int128 mean = sum / n;
  if (sum % n != 0 && sum < 0) --mean;  // floor, as big.Int's Euclidean Div for n > 0
  const auto avg = static_cast<std::int64_t>(mean);  // a mean of int64 values fits
  for (Validator& v : validators_) v.proposer_priority = SubClip(v.proposer_priority, avg);
}

ValidatorIndex ValidatorSet::MostPriority() const {
  std::size_t best = 0;
  for (std::size_t i = 1; i < validators_.size(); ++i) {
    if (Beats(validators_[i], validators_[best])) best = i;
  }
  return static_cast<ValidatorIndex>(best);
}

ValidatorIndex ValidatorSet::IncrementOnce() {
  for (Validator& v : validators_) v.proposer_priority = AddClip(v.proposer_priority, v.voting_power);
  const ValidatorIndex top = MostPriority();
  Validator& p = validators_[static_cast<std::size_t>(top)];
  p.proposer_priority = SubClip(p.proposer_priority, total_);
  return top;
}

void ValidatorSet::IncrementProposerPriority(std::int32_t times) {
  PEERLAB_ASSERT(!validators_.empty());
  PEERLAB_ASSERT(times > 0);
  RescalePriorities(kPriorityWindowSizeFactor * total_);
  CentreOnMean();
  for (std::int32_t i = 0; i < times; ++i) proposer_ = IncrementOnce();
}

ValidatorSet ValidatorSet::CopyIncrementProposerPriority(std::int32_t times) const {
  ValidatorSet copy = *this;
  copy.IncrementProposerPriority(times);
  return copy;
}

}  // namespace peerlab::tendermint
