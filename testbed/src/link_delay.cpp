#include "peerlab/testbed/link_delay.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "peerlab/testbed/config.hpp"

namespace peerlab::testbed {

Result<LinkDelay> ParseLinkDelay(std::string_view text) {
  auto bad = [&] {
    return Status::Error("expected IPV4=MS with MS from 0 to 10000 (e.g. 127.0.1.2=40), got '" +
                         std::string(text) + "'");
  };
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) return bad();
  auto ip = ParseIpv4(text.substr(0, eq));
  if (!ip.ok()) return bad();
  const std::string_view ms_text = text.substr(eq + 1);
  double ms = 0;
  const auto [end, ec] = std::from_chars(ms_text.data(), ms_text.data() + ms_text.size(), ms);
  if (ms_text.empty() || ec != std::errc() || end != ms_text.data() + ms_text.size() ||
      !std::isfinite(ms) || ms < 0 || ms > 10000) {
    return bad();
  }
  return LinkDelay{*ip, static_cast<DurationNs>(std::llround(ms * 1e6))};
}

DurationNs LinkDelayFor(const std::vector<LinkDelay>& delays, std::uint32_t ip) {
  DurationNs d = 0;
  for (const LinkDelay& l : delays) {
    if (l.ip == ip) d = l.delay;
  }
  return d;
}

void DelayGate::Queued(std::uint64_t end, TimeNs now) {
  if (delay_ <= 0 || end <= released_) return;
  if (!marks_.empty() && marks_.back().end >= end) return;
  const TimeNs at = now + delay_;
  if (marks_.size() >= kMaxMarks) {
    marks_.back() = {end, at};
    return;
  }
  marks_.push_back({end, at});
}

std::uint64_t DelayGate::Releasable(TimeNs now, std::uint64_t end) {
  if (delay_ <= 0) return end;
  while (!marks_.empty() && marks_.front().at <= now) {
    released_ = marks_.front().end;
    marks_.pop_front();
  }
  return released_;
}

}  // namespace peerlab::testbed
