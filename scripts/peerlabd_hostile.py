#!/usr/bin/python3
"""Re-measures the hostile-peer figures of docs/testbed.md ("Hostile peers") against one
peerlabd binary: an honest handshake during connection floods, and peak memory under a header
flood.

    scripts/peerlabd_hostile.py [--peerlabd build/release/peerlabd] [--connections 2000]
                                [--headers 500000] [--only floods|headers]

Each attack runs against a fresh daemon (default options, --handshake-timeout 60 so that the
deadline cannot be what lets the honest peer in):
  one-address     N idle connections from 127.0.0.2
  many-addresses  N idle connections from N/2 loopback addresses (2 each)
  slow-loris      the same, each sending one more byte every 2 s while the honest peer tries
then an honest client on 127.0.0.1 dials, sends version, answers verack and waits for the
pong to a ping (only an established peer is answered), up to 5 tries 1 s apart.
The header flood sends N regtest headers with valid proof of work on genesis, 2,000 per
message, on one handshaked connection and then on new connections until N are sent or the
daemon refuses the connection; it reports VmHWM (peak RSS) of the daemon before and after.

Raises RLIMIT_NOFILE for itself (the flood holds N client sockets). Prints one line per
figure; exit status 0 unless the daemon died.
"""
import argparse
import json
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))

from hostile_peers import (drain, grind_headers, headers_frames, honest_handshake,  # noqa: E402
                           open_idle, spread_addresses, trickle)
from peerlabd_proc import frame, read_frames, version_payload  # noqa: E402


def vm(pid, key):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class Daemon:
    def __init__(self, exe, workdir, *args):
        self.dir = pathlib.Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [exe, "--chain", "peerlab-sim", "--listen", "127.0.0.1:0", "--datadir",
             str(self.dir), "--quiet", *args], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            s = self.status()
            if s and s["running"]:
                self.port = int(s["listen"].split(":")[1])
                return
            time.sleep(0.05)
        raise SystemExit("peerlabd did not start")

    def status(self):
        try:
            return json.loads((self.dir / "status.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def stop(self):
        alive = self.proc.poll() is None
        if alive:
            self.proc.terminate()
        self.proc.wait(timeout=30)
        return alive


def honest_tries(port, tries=5):
    for i in range(tries):
        took = honest_handshake(port, "127.0.0.1", timeout=5)
        if took is not None:
            return took, i + 1
        time.sleep(1)
    return None, tries


def flood(exe, work, attack, n):
    d = Daemon(exe, work / attack, "--handshake-timeout", "60")
    started = time.monotonic()
    if attack == "one-address":
        socks = open_idle(d.port, ["127.0.0.2"], n)
    else:
        socks = open_idle(d.port, spread_addresses(n // 2), 2)
    opened = time.monotonic() - started
    time.sleep(1)  # let the daemon take in what is queued
    if attack == "slow-loris":
        trickle(socks)
        time.sleep(2)
        trickle(socks)
    took, attempts = honest_tries(d.port)
    if attack == "slow-loris":
        trickle(socks)
    time.sleep(1.2)  # one status.json period
    status = d.status() or {}
    counters = status.get("counters", {})
    rss = vm(d.proc.pid, "VmHWM")
    for s in socks:
        s.close()
    alive = d.stop()
    shown = {k: counters.get(k) for k in ("accepted", "refused_full", "refused_address",
                                          "evicted_pending", "handshake_timeouts")}
    result = "FAILED" if took is None else f"{took * 1000:.1f} ms"
    print(f"{attack:15} {len(socks)} connections opened in {opened:.1f} s; honest handshake: "
          f"{result} (attempt {attempts}); VmHWM {rss} KiB; {shown}"
          f"{'' if alive else '; DAEMON DIED'}", flush=True)
    return alive


def handshaked(port):
    import socket
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(frame("version", version_payload(port)))
    if not {"version", "verack"} <= set(read_frames(s, ["version", "verack"])):
        raise OSError("no handshake")
    # The pong says the handshake is complete: bytes sent before it count against the
    # 64 KiB pre-handshake budget.
    s.sendall(frame("verack", b"") + frame("ping", b"\x01" * 8))
    if "pong" not in read_frames(s, ["pong"]):
        raise OSError("no pong")
    return s


def header_flood(exe, work, n):
    started = time.monotonic()
    frames = headers_frames(grind_headers(n))
    print(f"header flood: {n} headers ground in {time.monotonic() - started:.1f} s", flush=True)
    d = Daemon(exe, work / "headers")
    time.sleep(0.5)
    before = vm(d.proc.pid, "VmHWM")
    sent, connections, i, held = 0, 0, 0, []
    started = time.monotonic()
    while i < len(frames):
        try:
            s = handshaked(d.port)
        except OSError:
            break  # refused even the handshake
        connections += 1
        try:
            while i < len(frames):
                s.sendall(frames[i])
                i += 1
                sent += 1
                if not drain(s):
                    break
        except OSError:
            pass
        held.append(s)  # closed after the count settles: a close with unread data resets
        if connections >= 5:
            break  # five disconnects in a row: the daemon refuses the rest
    elapsed = time.monotonic() - started
    # Sent is not processed: wait until the daemon's header count stops moving.
    last, status = None, {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(2.5)  # status.json is rewritten every second
        status = d.status() or {}
        if status.get("headers") == last:
            break
        last = status.get("headers")
        for s in held:
            drain(s)
    for s in held:
        s.close()
    after = vm(d.proc.pid, "VmHWM")
    alive = d.stop()
    print(f"header flood: {sent} messages ({min(sent * 2000, n)} headers) sent over "
          f"{connections} connection(s) in {elapsed:.1f} s; daemon holds "
          f"{status.get('headers')} headers; VmHWM {before} KiB before, {after} KiB after "
          f"(+{(after - before) / 1024:.1f} MiB); counters "
          f"{ {k: status.get('counters', {}).get(k) for k in ('header_limit_disconnects', 'headers_refused', 'punishments')} }"
          f"{'' if alive else '; DAEMON DIED'}", flush=True)
    return alive


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peerlabd", default=str(ROOT / "build" / "release" / "peerlabd"))
    ap.add_argument("--connections", type=int, default=2000)
    ap.add_argument("--headers", type=int, default=500_000)
    ap.add_argument("--only", choices=["floods", "headers"])
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.connections + 256
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            raise SystemExit(f"RLIMIT_NOFILE hard limit {hard} < {want}: raise it (ulimit -Hn)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    print(f"peerlabd {args.peerlabd}; RLIMIT_NOFILE {resource.getrlimit(resource.RLIMIT_NOFILE)}")
    work = pathlib.Path(tempfile.mkdtemp(prefix="peerlabd_hostile_"))
    ok = True
    try:
        if args.only in (None, "floods"):
            for attack in ("one-address", "many-addresses", "slow-loris"):
                ok = flood(args.peerlabd, work, attack, args.connections) and ok
        if args.only in (None, "headers"):
            ok = header_flood(args.peerlabd, work, args.headers) and ok
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
