// AddrMan: the addresses a node knows of, after Bitcoin Core's address manager (addrman.h).
//
// Two tables of buckets. "new" holds addresses heard of but never connected to, placed by a
// keyed hash of (source group, address group) so that one source can fill only a few buckets;
// "tried" holds addresses we once completed a handshake with, placed by (address group,
// address). A full slot keeps its occupant unless the occupant is "terrible" (too old, too many
// failed attempts), so an attacker flooding addresses cannot wash out what we already know.
// Selection picks tried or new with equal odds and prefers addresses not tried recently.
//
// Differences from Core, chosen for memory at 10,000+ nodes (docs/design.md §9):
// - table dimensions are parameters (Core: new 1024 x 64, tried 256 x 64); the defaults are
//   scaled down so a full manager stays within a few KB, and the share of buckets one group can
//   reach keeps Core's ratios (new: 64 of 1024 per source group, tried: 8 of 256 per group);
// - an address sits in at most one new bucket (Core allows up to 8 references);
// - with `test_before_evict` off, a tried-table collision moves the old occupant back to new
//   (Core before 0.17); on (the default), the newcomer waits while the node tests the old one
//   with a feeler, as Core 0.17+ does;
// - storage is sparse: only occupied slots cost memory.
//
// Times are Unix seconds, as addr messages carry them. Deterministic: placement uses a keyed
// 64-bit hash with the node's key, selection the caller's Rng.
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/bitcoin/address.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::bitcoin {

struct AddrManConfig {
  std::uint32_t new_buckets = 64;     // Core: 1024
  std::uint32_t tried_buckets = 16;   // Core: 256
  std::uint32_t bucket_size = 8;      // Core: 64
  // Eclipse countermeasures (Heilman et al. 2015), on as in Core today; off to measure them.
  // Core 0.17+: an address whose tried slot is taken waits (at most 10 such collisions) until a
  // feeler has tested the occupant, which keeps its slot if it answered in the last 4 hours.
  // Off: the occupant goes back to the new table at once (Core before 0.17).
  bool test_before_evict = true;
  // One source group reaches a sixteenth of the new buckets and one address group 1/32 of the
  // tried buckets (Core: 64 of 1024 and 8 of 256). Off: a bucket is a hash of the groups (new)
  // or of the address (tried) alone, so any source may reach any bucket.
  bool bucket_limits = true;
};

class AddrMan {
 public:
  AddrMan(const AddrManConfig& config, std::uint64_t key);

  // Learns `address` (last seen at `time`) from `source` (the peer that told us, or the
  // address itself for self-announcements and seeds). True if it was not known and now is.
  // A known address only has its time refreshed (Core's update rules: a newer time, at most
  // once per hour when the address is currently in use).
  bool Add(NetAddress address, std::uint32_t time, NetAddress source, std::uint32_t now);
  // We completed a handshake with `address` as outbound: moves it to tried (adding it first if
  // unknown), resets its failure count. With test_before_evict, when its tried slot is taken
  // by another address it stays in new as a pending collision instead (unknown: nothing).
  void Good(NetAddress address, std::uint32_t now);
  // Core's ResolveCollisions: settles pending collisions. The occupant keeps its slot if it
  // answered in the last 4 hours; it loses it if it was tried and failed in that time (after
  // 60 s), or when the newcomer has waited 40 minutes without the occupant being tested.
  void ResolveCollisions(std::uint32_t now);
  // Core's SelectTriedCollision: the occupant of a random pending collision, for a feeler to
  // test; kNoAddress when there is none.
  NetAddress SelectTriedCollision(Rng& rng) const;
  std::size_t collision_count() const { return collisions_.size(); }
  // We are about to connect to it: counts an attempt (for the selection odds and terribleness).
  void Attempt(NetAddress address, std::uint32_t now);
  // A connection to it just closed: it was seen now (Core's Connected(), on disconnect).
  void Connected(NetAddress address, std::uint32_t now);

  // An address to connect to, or kNoAddress when the tables (or the new table, with
  // `new_only`) are empty. Core's Select: tried or new with equal odds; within a table, uniform
  // candidates accepted with GetChance() probability and a rising factor, so it always ends.
  NetAddress Select(bool new_only, Rng& rng, std::uint32_t now) const;
  // Up to `max_count` and at most `max_percent` % of all known addresses, chosen at random,
  // never terrible ones (Core's GetAddr for answering getaddr: 1000 and 23 %).
  void Sample(std::uint32_t max_count, std::uint32_t max_percent, Rng& rng, std::uint32_t now,
              std::vector<TimedAddress>& out) const;

  bool Contains(NetAddress address) const;
  bool IsTried(NetAddress address) const;
  std::size_t size() const;       // new + tried
  std::size_t new_count() const;
  std::size_t tried_count() const;
  // Heap bytes held (for the memory figures of issue 8).
  std::size_t MemoryBytes() const;

  // Core's IsTerrible: in the future by more than 10 min, not seen for 30 days, never
  // connected after 3 attempts, or 10 failures in the last week; never within 1 min of a try.
  struct Info {
    NetAddress address = kNoAddress;
    std::uint32_t time = 0;          // last seen (as gossiped)
    std::uint32_t last_try = 0;      // 0 = never
    std::uint32_t last_success = 0;  // 0 = never
    std::uint16_t attempts = 0;      // since the last success
    std::uint16_t source_group = 0;
    bool tried = false;
    std::uint32_t position = 0;  // its slot (tried bit, bucket, slot): cached, hashing is costly
  };
  static bool IsTerrible(const Info& info, std::uint32_t now);
  // Core's GetChance: relative odds of being selected.
  static double Chance(const Info& info, std::uint32_t now);
  // The entry for `address`, or null.
  const Info* Find(NetAddress address) const;
  // Every entry, sorted by address (for reports; placement is not exposed).
  const std::vector<Info>& entries() const { return infos_; }

 private:
  // Every entry occupies exactly one slot, and its position (tried bit, bucket, slot) is a pure
  // function of the key and the entry (address, source group, table), cached in the entry;
  // slots_ stores only an index into infos_ (4 bytes a slot).
  // Debug aid: recompute every cached position when it is read.
  static constexpr bool kCheckPositions = false;
  static constexpr std::uint32_t kTriedBit = 1u << 31;

  std::uint64_t Hash(std::uint64_t a, std::uint64_t b, std::uint64_t c) const;
  std::uint32_t NewPosition(NetAddress address, std::uint32_t source_group) const;
  std::uint32_t TriedPosition(NetAddress address) const;
  std::uint32_t PositionOf(const Info& info) const;

  std::size_t InfoIndex(NetAddress address) const;      // lower bound in infos_
  Info* Mutable(NetAddress address);
  std::size_t SlotIndex(std::uint32_t position) const;  // lower bound in slots_
  const Info* Occupant(std::uint32_t position) const;
  void InsertInfo(const Info& info);                    // not yet in a slot
  void InsertSlot(std::uint32_t position, NetAddress address);
  void EraseSlot(std::uint32_t position);
  void EraseInfo(NetAddress address);                   // no longer in a slot
  void Remove(NetAddress address);                      // slot and entry
  // Moves a known new entry (or an unknown address) into its tried slot, sending the occupant
  // back to new.
  void MakeTried(NetAddress address, std::uint32_t now);
  std::size_t SlotCount() const;

  AddrManConfig config_;
  std::uint64_t key_;
  std::vector<Info> infos_;           // sorted by address
  std::vector<std::uint32_t> slots_;  // indices into infos_, sorted by position
  std::size_t tried_count_ = 0;
  std::vector<NetAddress> collisions_;  // test-before-evict: at most kMaxCollisions, sorted
};

}  // namespace peerlab::bitcoin
