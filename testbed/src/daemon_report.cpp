// Daemon: what it writes to DIR (docs/testbed.md): status.json (rewritten whole, through a
// temporary file and rename, so readers never see a partial document), blocks.csv and
// peers.csv (appended, one row per event, flushed at once so a crash loses nothing).
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "peerlab/results/json.hpp"
#include "peerlab/results/tables.hpp"
#include "peerlab/testbed/daemon.hpp"

namespace peerlab::testbed {
namespace {

double UnixNowSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The table `Row` (results/tables.hpp) in `datadir`, opened for appending.
template <typename Row>
std::FILE* OpenTable(const std::string& datadir) {
  const std::string path = datadir + "/" + std::string(Row::kFile);
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) return nullptr;
  if (std::ftell(f) == 0) {  // a new table: header first (an old one is appended to)
    const std::string header = results::TableHeader<Row>();
    std::fwrite(header.data(), 1, header.size(), f);
    std::fflush(f);
  }
  return f;
}

}  // namespace

std::uint64_t ResidentKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

Status Daemon::OpenTables() {
  if (config_.save_blocks) {
    std::error_code ec;
    std::filesystem::create_directories(config_.datadir + "/blocks", ec);
    if (ec) {
      return Status::Error("--save-blocks: cannot create " + config_.datadir + "/blocks: " +
                           ec.message());
    }
  }
  blocks_csv_ = OpenTable<results::DaemonBlockRow>(config_.datadir);
  peers_csv_ = OpenTable<results::DaemonPeerRow>(config_.datadir);
  if (blocks_csv_ == nullptr || peers_csv_ == nullptr) {
    return Status::Error("--datadir: cannot write tables in " + config_.datadir + ": " +
                         std::strerror(errno));
  }
  return Status::Ok();
}

void Daemon::AppendBlockRow(bitcoin::BlockHandle h) {
  if (blocks_csv_ == nullptr) return;
  const bitcoin::BlockRecord& b = stack_->blocks.Get(h);
  const bool own = h < own_blocks_.size() && own_blocks_[h];
  const std::string id = b.id.ToHex();
  const std::string parent =
      b.parent == bitcoin::kNoBlock ? std::string() : stack_->blocks.Get(b.parent).id.ToHex();
  // Blocks from peers name no miner on the wire; found_at is only ours to know.
  const std::string row = results::TableLine(results::DaemonBlockRow{
      .id = id,
      .height = b.height,
      .parent = parent,
      .miner = own ? results::DaemonBlockRow::kSelf : std::string_view(),
      .mined_at_s = own ? std::optional<double>(ToSeconds(b.found_at)) : std::nullopt,
      .accepted_at_s = ToSeconds(now_),
      .accepted_unix_s = unix_now_s_,
      .size_bytes = b.size_bytes});
  std::fwrite(row.data(), 1, row.size(), blocks_csv_);
  std::fflush(blocks_csv_);
  if (config_.save_blocks) SaveBlock(h);
}

void Daemon::SaveBlock(bitcoin::BlockHandle h) {
  const std::vector<std::uint8_t>* bytes = stack_->blocks.BlockData(h);
  if (bytes == nullptr) return;  // an accepted block always has its data in open mode
  // Through a temporary name and rename, as status.json: a reader never sees half a block.
  const std::string path = config_.datadir + "/blocks/" + stack_->blocks.Get(h).id.ToHex() + ".bin";
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  bool ok = f != nullptr && std::fwrite(bytes->data(), 1, bytes->size(), f) == bytes->size();
  if (f != nullptr) ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    Log("cannot write " + path + ": " + std::strerror(errno));
  }
}

void Daemon::AppendPeerRow(const Connection& c) {
  if (peers_csv_ == nullptr) return;
  const std::string address = c.remote.ToString();
  const std::string handshake = HandshakeState(c);
  const std::string row = results::TableLine(results::DaemonPeerRow{
      .closed_at_s = ToSeconds(now_),
      .peer = c.peer,
      .address = address,
      .direction = c.inbound ? "inbound" : "outbound",
      .handshake = handshake,
      .misbehavior = c.score,
      .bytes_in = c.bytes_in,
      .bytes_out = c.bytes_out,
      .connected_s = ToSeconds(now_ - c.opened_at),
      .reason = c.close_reason});
  std::fwrite(row.data(), 1, row.size(), peers_csv_);
  std::fflush(peers_csv_);
}

void Daemon::RecordOffender(const Connection& c) {
  offenders_.push_back({now_, c.remote, c.inbound, c.score, c.bytes_in, c.close_reason});
  while (offenders_.size() > kMaxOffenders) offenders_.pop_front();
}

std::string Daemon::HandshakeState(const Connection& c) const {
  if (c.connecting) return "connecting";
  if (c.established_at >= 0) return "established";
  return c.version_received ? "version-received" : "awaiting-version";
}

std::string Daemon::StatusJson() const {
  const bitcoin::Node& node = stack_->node;
  const bitcoin::BlockStore& blocks = stack_->blocks;
  results::JsonWriter j;
  j.BeginObject();
  j.Key("chain").String(chain_.name);
  j.Key("pid").Int(::getpid());
  j.Key("running").Bool(!shut_down_);
  j.Key("listen").String(listen_at_.ToString());
  j.Key("seed").UInt(config_.seed);
  j.Key("uptime_s").Double(ToSeconds(now_));
  j.Key("unix_time").Double(UnixNowSeconds());
  j.Key("tip").BeginObject();
  j.Key("id").String(blocks.Get(node.tip()).id.ToHex());
  j.Key("height").UInt(blocks.Get(node.tip()).height);
  j.EndObject();
  j.Key("best_header_height").UInt(blocks.Get(node.best_header()).height);
  // Headers whose proof of work the store checked (ours and peers'; known ones are not
  // checked twice), and headers it holds beyond genesis.
  j.Key("pow_checks").UInt(blocks.pow_checks());
  j.Key("headers").UInt(blocks.size() - 1);
  j.Key("blocks_mined").UInt(blocks_mined_);
  j.Key("mining_mean_s");
  if (config_.mine_mean_s > 0) {
    j.Double(config_.mine_mean_s);
  } else {
    j.Null();
  }
  j.Key("validation_s").BeginObject();
  j.Key("fixed").Double(ToSeconds(config_.validation_fixed));
  j.Key("per_mb").Double(ToSeconds(config_.validation_per_mb));
  j.EndObject();
  j.Key("peers").BeginArray();
  for (const auto& slot : conns_) {
    if (!slot) continue;
    const Connection& c = *slot;
    j.BeginObject();
    j.Key("peer").UInt(c.peer);
    j.Key("address").String(c.remote.ToString());
    j.Key("direction").String(c.inbound ? "inbound" : "outbound");
    // Who opened it: the remote, a --connect target, or the node from its address manager.
    j.Key("origin").String(c.inbound ? "inbound" : c.target >= 0 ? "connect" : "node");
    j.Key("kind").String(c.kind == bitcoin::ConnectionKind::kBlockRelayOnly ? "block-relay-only"
                         : c.kind == bitcoin::ConnectionKind::kFeeler   ? "feeler"
                                                                         : "full-relay");
    j.Key("handshake").String(HandshakeState(c));
    j.Key("misbehavior").UInt(c.score);
    j.Key("bytes_in").UInt(c.bytes_in);
    j.Key("bytes_out").UInt(c.bytes_out);
    j.Key("messages_in").UInt(c.msgs_in);
    j.Key("messages_out").UInt(c.msgs_out);
    j.Key("connected_s").Double(ToSeconds(now_ - c.opened_at));
    j.Key("ping_ms");
    const DurationNs rtt = c.node_knows ? node.last_rtt(c.peer) : -1;
    if (rtt >= 0) {
      j.Double(static_cast<double>(rtt) / 1e6);
    } else {
      j.Null();
    }
    j.EndObject();
  }
  j.EndArray();
  j.Key("connect").BeginArray();
  for (const ConnectTarget& t : targets_) {
    j.BeginObject();
    j.Key("address").String(t.endpoint.ToString());
    j.Key("kind").String(t.kind == bitcoin::ConnectionKind::kBlockRelayOnly ? "block-relay-only"
                                                                             : "full-relay");
    j.Key("peer");
    if (t.peer != kNoPeer) {
      j.UInt(t.peer);
    } else {
      j.Null();
    }
    j.Key("attempts").UInt(t.attempts);
    j.Key("failures").UInt(t.failures);
    j.Key("last_error").String(t.last_error);
    j.EndObject();
  }
  j.EndArray();
  const DaemonCounters& k = counters_;
  j.Key("counters").BeginObject();
  j.Key("accepted").UInt(k.accepted);
  j.Key("refused_full").UInt(k.refused_full);
  j.Key("refused_address").UInt(k.refused_address);
  j.Key("evicted_pending").UInt(k.evicted_pending);
  j.Key("evicted_inbound").UInt(k.evicted_inbound);
  j.Key("header_limit_disconnects").UInt(k.header_limit_disconnects);
  j.Key("headers_refused").UInt(stack_->blocks.headers_refused());
  j.Key("outbound_attempts").UInt(k.outbound_attempts);
  j.Key("connect_failures").UInt(k.connect_failures);
  j.Key("handshake_timeouts").UInt(k.handshake_timeouts);
  j.Key("idle_timeouts").UInt(k.idle_timeouts);
  j.Key("prehandshake_overflows").UInt(k.prehandshake_overflows);
  j.Key("send_overflows").UInt(k.send_overflows);
  j.Key("malformed_streams").UInt(k.malformed_streams);
  j.Key("punishments").UInt(k.punishments);
  j.Key("reorgs").UInt(k.reorgs);
  j.Key("node_disconnects").UInt(k.node_disconnects);
  j.Key("remote_closes").UInt(k.remote_closes);
  j.Key("timers_dropped").UInt(k.timers_dropped);
  j.Key("accept_pauses").UInt(k.accept_pauses);
  j.EndObject();
  // Only the commands that occurred, in MsgType order.
  j.Key("messages").BeginObject();
  for (int t = 0; t < bitcoin::kMsgTypeCount; ++t) {
    if (k.messages_in[t] == 0 && k.messages_out[t] == 0) continue;
    j.Key(std::string(bitcoin::CommandName(static_cast<bitcoin::MsgType>(t)))).BeginObject();
    j.Key("in").UInt(k.messages_in[t]);
    j.Key("out").UInt(k.messages_out[t]);
    j.EndObject();
  }
  j.EndObject();
  j.Key("offenders").BeginArray();
  for (const Offender& o : offenders_) {
    j.BeginObject();
    j.Key("at_s").Double(ToSeconds(o.at));
    j.Key("address").String(o.remote.ToString());
    j.Key("direction").String(o.inbound ? "inbound" : "outbound");
    j.Key("misbehavior").UInt(o.score);
    j.Key("bytes_in").UInt(o.bytes_in);
    j.Key("reason").String(o.reason);
    j.EndObject();
  }
  j.EndArray();
  j.Key("limits").BeginObject();
  j.Key("max_inbound").UInt(config_.max_inbound);
  j.Key("max_pending").UInt(config_.max_pending);
  j.Key("max_pending_per_address").UInt(config_.max_pending_per_address);
  j.Key("max_blockless_headers").UInt(config_.max_blockless_headers);
  j.Key("handshake_timeout_s").Double(ToSeconds(config_.handshake_timeout));
  j.Key("idle_timeout_s").Double(ToSeconds(config_.idle_timeout));
  j.Key("max_send_queue_bytes").UInt(config_.max_send_queue);
  j.Key("max_prehandshake_bytes").UInt(config_.max_prehandshake_bytes);
  j.EndObject();
  j.Key("memory").BeginObject();
  j.Key("rss_kib").UInt(ResidentKiB());
  j.Key("timers").UInt(timers_.size());
  j.Key("messages_live").UInt(pool_.live());
  j.Key("blockless_headers").UInt(stack_->blocks.blockless_headers());
  j.EndObject();
  j.EndObject();
  return j.Finish();
}

void Daemon::WriteStatus() {
  const std::string path = config_.datadir + "/status.json";
  const std::string tmp = path + ".tmp";
  const std::string text = StatusJson();
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f != nullptr) ok = std::fclose(f) == 0 && ok;
  // rename() replaces the old file atomically: a reader sees the old or the new document.
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    Log("cannot write " + path + ": " + std::strerror(errno));
  }
}

void Daemon::Log(const std::string& line) const {
  if (!config_.log) return;
  std::fprintf(stderr, "peerlabd [%10.3f] %s\n", ToSeconds(clock_.Now()), line.c_str());
}

}  // namespace peerlab::testbed
