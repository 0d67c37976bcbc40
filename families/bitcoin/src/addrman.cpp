#include "peerlab/bitcoin/addrman.hpp"

#include <algorithm>
#include <cmath>

#include "peerlab/util/assert.hpp"

namespace peerlab::bitcoin {
namespace {

// Core's constants (addrman.h / addrman.cpp), in seconds.
constexpr std::int64_t kHorizon = 30 * 24 * 3600;       // ADDRMAN_HORIZON
constexpr std::uint16_t kRetries = 3;                   // ADDRMAN_RETRIES
constexpr std::uint16_t kMaxFailures = 10;              // ADDRMAN_MAX_FAILURES
constexpr std::int64_t kMinFail = 7 * 24 * 3600;        // ADDRMAN_MIN_FAIL
constexpr std::int64_t kFutureSlack = 10 * 60;          // "time > now + 10 min" is terrible
constexpr std::int64_t kRecentTry = 60;                 // never terrible within 1 min of a try
constexpr std::int64_t kChanceRecentTry = 10 * 60;      // GetChance's 0.01 window
constexpr std::int64_t kConnectedInterval = 20 * 60;    // Connected()'s update interval
constexpr std::int64_t kOnlineWindow = 24 * 3600;       // Add(): "currently online"
constexpr std::int64_t kOnlineUpdate = 3600;            // ...then refresh at most hourly
constexpr std::int64_t kOfflineUpdate = 24 * 3600;      // ...else at most daily
// Test-before-evict (Core 0.17+).
constexpr std::size_t kMaxCollisions = 10;              // ADDRMAN_SET_TRIED_COLLISION_SIZE
constexpr std::int64_t kReplacement = 4 * 3600;         // ADDRMAN_REPLACEMENT
constexpr std::int64_t kTestWindow = 40 * 60;           // ADDRMAN_TEST_WINDOW
constexpr std::int64_t kTestGrace = 60;                 // a failed test counts after 60 s

// Domain tags keep the five hashes independent although they share one key.
enum Tag : std::uint64_t { kNewGroup = 1, kNewBucket, kNewSlot, kTriedGroup, kTriedBucket,
                           kTriedSlot, kNewAnyBucket, kTriedAnyBucket };

std::int64_t Signed(std::uint32_t t) { return static_cast<std::int64_t>(t); }

// Vectors grow by an eighth rather than doubling: a table fills once per node and then stays
// full, so a doubled capacity would be waste carried for the whole run.
template <typename T>
void MakeRoom(std::vector<T>& v, std::size_t limit) {
  if (v.size() < v.capacity()) return;
  const std::size_t step = std::max<std::size_t>(8, v.size() / 8);
  v.reserve(std::max(v.size() + 1, std::min(v.size() + step, limit)));
}

}  // namespace

AddrMan::AddrMan(const AddrManConfig& config, std::uint64_t key) : config_(config), key_(key) {
  PEERLAB_ASSERT(config.new_buckets > 0 && config.tried_buckets > 0 && config.bucket_size > 0);
  // Positions carry the table in the top bit.
  PEERLAB_ASSERT(std::uint64_t{config.new_buckets} * config.bucket_size < kTriedBit);
  PEERLAB_ASSERT(std::uint64_t{config.tried_buckets} * config.bucket_size < kTriedBit);
}

std::uint64_t AddrMan::Hash(std::uint64_t a, std::uint64_t b, std::uint64_t c) const {
  // Chained SplitMix64 rounds: each input is folded into the full 64-bit state of the previous
  // round, so no input can cancel another, and the key makes placements unpredictable per node.
  std::uint64_t state = key_ ^ a;
  state = SplitMix64(state) ^ b;
  state = SplitMix64(state) ^ c;
  return SplitMix64(state);
}

std::uint32_t AddrMan::NewPosition(NetAddress address, std::uint32_t source_group) const {
  // One source group reaches only per_source of the new buckets (Core: 64 of 1024), whatever
  // addresses it sends; the address group picks among those. Without the limit the pair of
  // groups picks any bucket.
  std::uint32_t bucket;
  if (config_.bucket_limits) {
    const std::uint64_t per_source = std::max<std::uint32_t>(1, config_.new_buckets / 16);
    const std::uint64_t choice = Hash(kNewGroup, NetGroup(address), source_group) % per_source;
    bucket = static_cast<std::uint32_t>(Hash(kNewBucket, source_group, choice) %
                                        config_.new_buckets);
  } else {
    bucket = static_cast<std::uint32_t>(
        Hash(kNewAnyBucket, NetGroup(address), source_group) % config_.new_buckets);
  }
  const auto slot =
      static_cast<std::uint32_t>(Hash(kNewSlot, bucket, address) % config_.bucket_size);
  return bucket * config_.bucket_size + slot;
}

std::uint32_t AddrMan::TriedPosition(NetAddress address) const {
  // One address group reaches only per_group of the tried buckets (Core: 8 of 256); without
  // the limit the address alone picks the bucket.
  std::uint32_t bucket;
  if (config_.bucket_limits) {
    const std::uint64_t per_group = std::max<std::uint32_t>(1, config_.tried_buckets / 32);
    const std::uint64_t choice = Hash(kTriedGroup, address, 0) % per_group;
    bucket = static_cast<std::uint32_t>(
        Hash(kTriedBucket, NetGroup(address), choice) % config_.tried_buckets);
  } else {
    bucket = static_cast<std::uint32_t>(Hash(kTriedAnyBucket, address, 0) % config_.tried_buckets);
  }
  const auto slot =
      static_cast<std::uint32_t>(Hash(kTriedSlot, bucket, address) % config_.bucket_size);
  return kTriedBit | (bucket * config_.bucket_size + slot);
}

std::uint32_t AddrMan::PositionOf(const Info& info) const {
  PEERLAB_ASSERT(!kCheckPositions || info.position ==
                 (info.tried ? TriedPosition(info.address)
                             : NewPosition(info.address, info.source_group)));
  return info.position;
}

std::size_t AddrMan::SlotCount() const {
  return std::size_t{config_.new_buckets + config_.tried_buckets} * config_.bucket_size;
}

std::size_t AddrMan::InfoIndex(NetAddress address) const {
  return static_cast<std::size_t>(
      std::lower_bound(infos_.begin(), infos_.end(), address,
                       [](const Info& info, NetAddress a) { return info.address < a; }) -
      infos_.begin());
}

const AddrMan::Info* AddrMan::Find(NetAddress address) const {
  const std::size_t i = InfoIndex(address);
  return i < infos_.size() && infos_[i].address == address ? &infos_[i] : nullptr;
}

AddrMan::Info* AddrMan::Mutable(NetAddress address) {
  return const_cast<Info*>(Find(address));
}

std::size_t AddrMan::SlotIndex(std::uint32_t position) const {
  return static_cast<std::size_t>(
      std::lower_bound(slots_.begin(), slots_.end(), position,
                       [this](std::uint32_t index, std::uint32_t p) {
                         return PositionOf(infos_[index]) < p;
                       }) -
      slots_.begin());
}

const AddrMan::Info* AddrMan::Occupant(std::uint32_t position) const {
  const std::size_t i = SlotIndex(position);
  if (i == slots_.size()) return nullptr;
  const Info& info = infos_[slots_[i]];
  return PositionOf(info) == position ? &info : nullptr;
}

void AddrMan::InsertInfo(const Info& info) {
  const std::size_t i = InfoIndex(info.address);
  PEERLAB_ASSERT(i == infos_.size() || infos_[i].address != info.address);
  MakeRoom(infos_, SlotCount());
  infos_.insert(infos_.begin() + static_cast<std::ptrdiff_t>(i), info);
  for (std::uint32_t& index : slots_) index += index >= i ? 1 : 0;
}

void AddrMan::EraseInfo(NetAddress address) {
  const std::size_t i = InfoIndex(address);
  PEERLAB_ASSERT(i < infos_.size() && infos_[i].address == address);
  infos_.erase(infos_.begin() + static_cast<std::ptrdiff_t>(i));
  for (std::uint32_t& index : slots_) {
    PEERLAB_ASSERT(index != i);
    index -= index > i ? 1 : 0;
  }
}

void AddrMan::InsertSlot(std::uint32_t position, NetAddress address) {
  PEERLAB_ASSERT(Occupant(position) == nullptr);
  const Info* info = Find(address);
  PEERLAB_ASSERT(info != nullptr && PositionOf(*info) == position);
  const std::size_t i = SlotIndex(position);
  MakeRoom(slots_, SlotCount());
  slots_.insert(slots_.begin() + static_cast<std::ptrdiff_t>(i),
                static_cast<std::uint32_t>(info - infos_.data()));
  if (info->tried) ++tried_count_;
}

void AddrMan::EraseSlot(std::uint32_t position) {
  const std::size_t i = SlotIndex(position);
  PEERLAB_ASSERT(i < slots_.size() && PositionOf(infos_[slots_[i]]) == position);
  if (infos_[slots_[i]].tried) --tried_count_;
  slots_.erase(slots_.begin() + static_cast<std::ptrdiff_t>(i));
}

void AddrMan::Remove(NetAddress address) {
  EraseSlot(PositionOf(*Find(address)));
  EraseInfo(address);
}

bool AddrMan::Add(NetAddress address, std::uint32_t time, NetAddress source, std::uint32_t now) {
  if (address == kNoAddress) return false;
  if (Info* info = Mutable(address)) {
    // Core's rule without its penalty (the caller applies it): an address seen within a day is
    // probably online and its time matters, so refresh hourly; otherwise daily. Rarer writes
    // keep gossip loops from bumping times forever.
    const std::int64_t interval =
        Signed(now) - Signed(time) < kOnlineWindow ? kOnlineUpdate : kOfflineUpdate;
    if (Signed(info->time) < Signed(time) - interval) info->time = time;
    return false;
  }
  Info fresh;
  fresh.address = address;
  fresh.time = time;
  fresh.source_group = static_cast<std::uint16_t>(NetGroup(source));
  const std::uint32_t position = NewPosition(address, fresh.source_group);
  fresh.position = position;
  if (const Info* occupant = Occupant(position)) {
    // What we know beats what we are told: only a terrible occupant gives way.
    if (!IsTerrible(*occupant, now)) return false;
    Remove(occupant->address);
  }
  InsertInfo(fresh);
  InsertSlot(position, address);
  return true;
}

void AddrMan::Good(NetAddress address, std::uint32_t now) {
  if (address == kNoAddress) return;
  Info* info = Mutable(address);
  if (info != nullptr) {
    info->last_success = now;
    info->last_try = now;
    info->attempts = 0;
    if (info->tried) return;
  }
  if (config_.test_before_evict) {
    const Info* occupant = Occupant(TriedPosition(address));
    if (occupant != nullptr && occupant->address != address) {
      // Core 0.17+: wait until the occupant has been tested. An unknown address has no entry
      // to wait in (Core ignores Good() for it).
      if (info == nullptr || collisions_.size() >= kMaxCollisions) return;
      const auto at = std::lower_bound(collisions_.begin(), collisions_.end(), address);
      if (at == collisions_.end() || *at != address) collisions_.insert(at, address);
      return;
    }
  }
  MakeTried(address, now);
}

void AddrMan::MakeTried(NetAddress address, std::uint32_t now) {
  if (const Info* info = Find(address)) {
    PEERLAB_ASSERT(!info->tried);
    EraseSlot(PositionOf(*info));
  } else {
    // Unknown (say its new slot was taken): it goes straight to tried, which we trust more.
    Info fresh;
    fresh.address = address;
    fresh.time = now;
    fresh.last_success = now;
    fresh.last_try = now;
    fresh.source_group = static_cast<std::uint16_t>(NetGroup(address));
    InsertInfo(fresh);
  }
  // `address` is now in no slot.
  const std::uint32_t tried_position = TriedPosition(address);
  if (const Info* occupant = Occupant(tried_position)) {
    // The old occupant goes back to new (Core does the same once a collision is settled).
    const NetAddress evicted = occupant->address;
    EraseSlot(tried_position);
    Info& old = *Mutable(evicted);
    old.tried = false;
    old.position = NewPosition(old.address, old.source_group);
    const std::uint32_t new_position = old.position;
    const Info* blocker = Occupant(new_position);
    if (blocker != nullptr && !IsTerrible(*blocker, now)) {
      // Unlike Core, which clears the new slot: full slots keep healthy occupants everywhere.
      EraseInfo(evicted);
    } else {
      if (blocker != nullptr) Remove(blocker->address);
      InsertSlot(new_position, evicted);
    }
  }
  Info& placed = *Mutable(address);
  placed.tried = true;
  placed.position = tried_position;
  InsertSlot(tried_position, address);
}

void AddrMan::ResolveCollisions(std::uint32_t now) {
  const std::int64_t n = Signed(now);
  for (std::size_t i = 0; i < collisions_.size();) {
    const NetAddress address = collisions_[i];
    const Info* info = Find(address);
    bool settled = true;
    if (info != nullptr && !info->tried) {
      const Info* occupant = Occupant(TriedPosition(address));
      if (occupant == nullptr) {
        MakeTried(address, now);  // the slot came free
      } else if (n - Signed(occupant->last_success) < kReplacement) {
        // The occupant answered recently: it stays, the newcomer stays in new.
      } else if (n - Signed(occupant->last_try) < kReplacement) {
        // Tried recently without success (the test failed): replace it, after a grace period.
        settled = n - Signed(occupant->last_try) > kTestGrace;
        if (settled) MakeTried(address, now);
      } else if (n - Signed(info->last_success) > kTestWindow) {
        MakeTried(address, now);  // nobody tested the occupant in time
      } else {
        settled = false;
      }
    }
    if (settled) {
      collisions_.erase(collisions_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
}

NetAddress AddrMan::SelectTriedCollision(Rng& rng) const {
  if (collisions_.empty()) return kNoAddress;
  const NetAddress address = collisions_[rng.Below(collisions_.size())];
  if (Find(address) == nullptr) return kNoAddress;
  const Info* occupant = Occupant(TriedPosition(address));
  return occupant != nullptr ? occupant->address : kNoAddress;
}

void AddrMan::Attempt(NetAddress address, std::uint32_t now) {
  Info* info = Mutable(address);
  if (info == nullptr) return;
  info->last_try = now;
  if (info->attempts < UINT16_MAX) ++info->attempts;
}

void AddrMan::Connected(NetAddress address, std::uint32_t now) {
  Info* info = Mutable(address);
  if (info != nullptr && Signed(now) - Signed(info->time) > kConnectedInterval) info->time = now;
}

NetAddress AddrMan::Select(bool new_only, Rng& rng, std::uint32_t now) const {
  const std::size_t new_count = slots_.size() - tried_count_;
  bool from_tried;
  if (new_only || tried_count_ == 0) {
    from_tried = false;
  } else if (new_count == 0) {
    from_tried = true;
  } else {
    from_tried = rng.Below(2) == 1;
  }
  if (!from_tried && new_count == 0) return kNoAddress;
  // Tried positions have the top bit set, so slots_ holds all new entries, then all tried ones.
  const std::size_t first = from_tried ? new_count : 0;
  const std::size_t count = from_tried ? tried_count_ : new_count;
  // Chance() is at least 0.01 * 0.66^8, so the rising factor accepts within ~45 rounds.
  double factor = 1.0;
  while (true) {
    const Info& info = infos_[slots_[first + rng.Below(count)]];
    if (rng.Uniform() < factor * Chance(info, now)) return info.address;
    factor *= 1.2;
  }
}

void AddrMan::Sample(std::uint32_t max_count, std::uint32_t max_percent, Rng& rng,
                     std::uint32_t now, std::vector<TimedAddress>& out) const {
  std::vector<std::uint32_t> eligible;
  for (std::size_t i = 0; i < infos_.size(); ++i) {
    if (!IsTerrible(infos_[i], now)) eligible.push_back(static_cast<std::uint32_t>(i));
  }
  // Like Core the percentage is of everything known, terrible entries included.
  const std::uint64_t by_percent = std::uint64_t{infos_.size()} * max_percent / 100;
  const std::size_t count = static_cast<std::size_t>(
      std::min<std::uint64_t>({max_count, by_percent, eligible.size()}));
  for (std::size_t k = 0; k < count; ++k) {  // partial Fisher-Yates
    std::swap(eligible[k], eligible[k + rng.Below(eligible.size() - k)]);
    const Info& info = infos_[eligible[k]];
    out.push_back(TimedAddress{info.address, info.time});
  }
}

bool AddrMan::IsTerrible(const Info& info, std::uint32_t now) {
  const std::int64_t n = Signed(now);
  // Just tried: give the connection a chance to complete before judging it.
  if (info.last_try != 0 && n - Signed(info.last_try) <= kRecentTry) return false;
  if (Signed(info.time) > n + kFutureSlack) return true;
  if (info.time == 0 || n - Signed(info.time) > kHorizon) return true;
  if (info.last_success == 0 && info.attempts >= kRetries) return true;
  if (n - Signed(info.last_success) > kMinFail && info.attempts >= kMaxFailures) return true;
  return false;
}

double AddrMan::Chance(const Info& info, std::uint32_t now) {
  double chance = 1.0;
  // Deprioritise what we just tried; 0.66 per failure, capped so an outage is not fatal.
  if (info.last_try != 0 && Signed(now) - Signed(info.last_try) < kChanceRecentTry) {
    chance *= 0.01;
  }
  return chance * std::pow(0.66, std::min<int>(info.attempts, 8));
}

bool AddrMan::Contains(NetAddress address) const { return Find(address) != nullptr; }

bool AddrMan::IsTried(NetAddress address) const {
  const Info* info = Find(address);
  return info != nullptr && info->tried;
}

std::size_t AddrMan::size() const { return infos_.size(); }
std::size_t AddrMan::new_count() const { return infos_.size() - tried_count_; }
std::size_t AddrMan::tried_count() const { return tried_count_; }

std::size_t AddrMan::MemoryBytes() const {
  return infos_.capacity() * sizeof(Info) + slots_.capacity() * sizeof(std::uint32_t) +
         collisions_.capacity() * sizeof(NetAddress);
}

}  // namespace peerlab::bitcoin
