// LinkModel: when a message sent now from one node arrives at another.
//
// Each node has an uplink and a downlink, each a FIFO pipe of fixed bandwidth. A message of
// B wire bytes occupies the sender's uplink for B*8/upload, propagates for the region-pair
// latency (drawn per message around the table mean), and occupies the receiver's downlink for
// B*8/download; the two transfers overlap (cut-through), so an idle path costs
// latency + B*8/min(upload, download), and a busy pipe delays what queues behind it.
// Because downlink slots are reserved in send order, messages between two nodes never overtake
// each other (TCP's in-order delivery). Each sender draws its latencies from its own stream, so
// what one node sends never depends on how other nodes' sends interleave with it. Pareto jitter
// is drawn by a ziggurat (util/pareto_ziggurat.hpp), not by a power function.
//
// Times saturate at kTimeBeyond (util/time.hpp), after every run's end: a message that would
// arrive later never arrives, whatever the bandwidth (down to 1 bit/s) or the backlog.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "peerlab/sim/network_spec.hpp"
#include "peerlab/util/pareto_ziggurat.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

// What a message's sender decides when it sends (its uplink's times and the latency drawn
// from its stream), before the receiver's downlink is reserved (LinkModel::Arrive). The split
// lets the engine reserve receivers' downlinks later, in event order, while senders run apart.
struct Departure {
  TimeNs up_start;  // its first byte leaves the uplink (kStreamed: its bytes streamed out before)
  TimeNs up_end;    // its last byte leaves the uplink
  DurationNs latency;
  std::uint32_t to;
  std::uint32_t bytes;  // what the receiver's downlink carries
  static constexpr TimeNs kStreamed = -1;
};

class LinkModel {
 public:
  LinkModel(const RegionTable& regions, const JitterSpec& jitter, std::uint64_t seed);

  // Adds a node in `region` with the given bandwidths (bits/s); returns its index.
  std::uint32_t AddNode(std::uint32_t region, double upload_bps, double download_bps);

  // Reserves the pipes for one message and returns its arrival time.
  TimeNs Send(TimeNs now, std::uint32_t from, std::uint32_t to, std::uint32_t wire_bytes) {
    return Arrive(Depart(now, from, to, wire_bytes));
  }
  // Send's sender side: reserves the uplink and draws the latency. Inline, so a caller builds
  // the departure where it keeps it (a burst's: in place, FlowLinks::Send) rather than copying
  // it back from a call's stack.
  Departure Depart(TimeNs now, std::uint32_t from, std::uint32_t to, std::uint32_t wire_bytes) {
    const auto [up_start, up_end] = TakeUplink(now, from, wire_bytes);
    return {up_start, up_end, DrawLatency(from, region_[to]), to, wire_bytes};
  }
  // The receiver's side: reserves its downlink (in the order departures are applied) and
  // returns the arrival time.
  TimeNs Arrive(const Departure& d);

  // Reserves the pipes for bytes that are part of a longer message (a TCP transfer's first
  // flight): as Send, but with the mean latency, and no arrival (the message arrives with its
  // last bytes). DepartFlight is its sender side.
  void Reserve(TimeNs now, std::uint32_t from, std::uint32_t to, std::uint32_t wire_bytes) {
    Arrive(DepartFlight(now, from, to, wire_bytes));
  }
  Departure DepartFlight(TimeNs now, std::uint32_t from, std::uint32_t to,
                         std::uint32_t wire_bytes) {
    const auto [up_start, up_end] = TakeUplink(now, from, wire_bytes);
    return {up_start, up_end, MeanLatency(from, to), to, wire_bytes};
  }

  // When a zero-size signal (TCP SYN, FIN) sent at `now` arrives: latency only, no pipe use.
  TimeNs Signal(TimeNs now, std::uint32_t from, std::uint32_t to) {
    return SaturatingAdd(now, DrawLatency(from, region_[to]));
  }

  // Nanoseconds to push `bytes` through a pipe of `bps` bits per second (rounded up,
  // saturating at kTimeBeyond).
  static DurationNs TransmitTime(std::uint32_t bytes, double bps) {
    return TransmitTimeAt(bytes, 8e9 / bps);
  }

  // network.uplink: shared (SharedUplinks): a message whose last byte left `from`'s uplink at
  // `sent`; reserves the receiver's downlink and returns its arrival time.
  TimeNs ArriveAfterUplink(TimeNs sent, std::uint32_t from, std::uint32_t to,
                           std::uint32_t wire_bytes) {
    return Arrive(DepartStreamed(sent, from, to, wire_bytes));
  }
  Departure DepartStreamed(TimeNs sent, std::uint32_t from, std::uint32_t to,
                           std::uint32_t wire_bytes) {
    return {Departure::kStreamed, sent, DrawLatency(from, region_[to]), to, wire_bytes};
  }
  double upload_ns_per_byte(std::uint32_t node) const { return nodes_[node].upload_ns_per_byte; }
  double download_ns_per_byte(std::uint32_t node) const {
    return nodes_[node].download_ns_per_byte;
  }
  // The mean one-way latency from `a` to `b` (the region pair's table entry).
  DurationNs MeanLatency(std::uint32_t a, std::uint32_t b) const {
    return SaturatingNs(latency_ns_[region_[a] * region_count_ + region_[b]]);
  }
  // The mean round trip between two nodes (the region pair's mean latency both ways).
  DurationNs MeanRoundTrip(std::uint32_t a, std::uint32_t b) const {
    const std::uint32_t ra = region_[a], rb = region_[b];
    return SaturatingNs(latency_ns_[ra * region_count_ + rb] + latency_ns_[rb * region_count_ + ra]);
  }

  std::uint32_t region_of(std::uint32_t node) const { return region_[node]; }
  // Every message sent to `node` so far arrives by then (downlinks are FIFO pipes).
  TimeNs downlink_free_at(std::uint32_t node) const { return nodes_[node].downlink_free_at; }
  std::size_t node_count() const { return nodes_.size(); }
  // Starts loading `node`'s pipes (one cache line), so that a burst of sends to random nodes
  // waits for their misses together rather than one by one.
  [[gnu::always_inline]] void Prefetch(std::uint32_t node) const {
    __builtin_prefetch(&nodes_[node], 1);
  }
  // Starts loading what `node` needs to send: its uplink and its latency stream (two lines,
  // each otherwise a miss on the first message of the node's event).
  [[gnu::always_inline]] void PrefetchSender(std::uint32_t node) const {
    Prefetch(node);
    if (node < jitter_rng_.size()) __builtin_prefetch(&jitter_rng_[node], 1);
  }

 private:
  // A node's pipes: 32 bytes, aligned, so one cache line. Its region lives apart (region_):
  // senders read the receiver's region, and with shards the receiver's pipes are written by
  // another core, whose line a sender would otherwise pull over for every message.
  struct alignas(32) NodeLinks {
    double upload_ns_per_byte;  // 8e9 / bandwidth: a multiply per message instead of a divide
    double download_ns_per_byte;
    TimeNs uplink_free_at = 0;
    TimeNs downlink_free_at = 0;
  };
  static_assert(sizeof(NodeLinks) == 32);

  // Reserves `bytes` on `from`'s uplink from `now` (behind what it holds); returns when their
  // first and last bytes leave it. Saturating sums (util/time.hpp): equal to the plain ones
  // until a time passes kTimeBeyond, after every run's end, so a backlog at an absurdly slow
  // link cannot overflow.
  std::pair<TimeNs, TimeNs> TakeUplink(TimeNs now, std::uint32_t from, std::uint32_t bytes) {
    NodeLinks& s = nodes_[from];
    const TimeNs up_start = std::max(now, s.uplink_free_at);
    s.uplink_free_at = SaturatingAdd(up_start, TransmitTimeAt(bytes, s.upload_ns_per_byte));
    return {up_start, s.uplink_free_at};
  }
  // A latency from `from`'s stream to a node in `to_region`.
  DurationNs DrawLatency(std::uint32_t from, std::uint32_t to_region);
  // The time `bytes` take at `ns_per_byte`, rounded up to a nanosecond and saturating (a block
  // at 1 bit/s takes a year, and queued transfers add up without bound): what
  // SaturatingNs(std::ceil(bytes * ns_per_byte)) gives, without the call to libm's ceil (the
  // portable build has no rounding instruction), for every product: a non-negative double
  // below kTimeBeyond truncates to its floor, and one that is not whole rounds up by one.
  static DurationNs TransmitTimeAt(std::uint32_t bytes, double ns_per_byte) {
    const double ns = bytes * ns_per_byte;
    if (!(ns < static_cast<double>(kTimeBeyond))) return kTimeBeyond;
    const auto whole = static_cast<DurationNs>(ns);
    return static_cast<double>(whole) < ns ? whole + 1 : whole;
  }

  std::vector<NodeLinks> nodes_;
  std::vector<std::uint32_t> region_;  // per node
  std::vector<double> latency_ns_;  // region-pair mean, row-major
  // Pareto jitter: the region pair's least latency, mean x (shape - 1) / shape (row-major), and
  // the sampler a draw multiplies it by.
  std::vector<double> pareto_scale_ns_;
  std::optional<ParetoZiggurat> pareto_;
  std::size_t region_count_;
  JitterSpec jitter_;
  std::uint64_t seed_;
  std::vector<Rng> jitter_rng_;  // per sending node (empty without jitter)
};

}  // namespace peerlab::sim
