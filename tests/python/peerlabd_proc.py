"""peerlabd as a child process, and raw wire frames for test clients (shared by
test_peerlabd.py and test_litecoind_interop.py; the `peerlabd` and `spawn` fixtures are in
conftest.py).

Waits use generous timeouts (a loaded machine is slow); the assertions after them do not
depend on timing. Every daemon listens on 127.0.0.1:0 and status.json says which port.
"""
import hashlib
import json
import pathlib
import resource
import select
import signal
import struct
import subprocess
import time

import pytest

REGTEST_MAGIC = bytes.fromhex("fabfb5da")
WAIT_S = 30


class Daemon:
    def __init__(self, exe, datadir, *args, fd_limit=None, chain="peerlab-sim"):
        self.datadir = pathlib.Path(datadir)
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.log = open(self.datadir / "stderr.log", "w")
        self.proc = subprocess.Popen(
            [exe, "--chain", chain, "--listen", "127.0.0.1:0", "--datadir",
             str(self.datadir), *args], stdout=subprocess.DEVNULL, stderr=self.log,
            preexec_fn=None if fd_limit is None else
            lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit)))
        self.port = int(self.wait(lambda s: s["running"])["listen"].split(":")[1])

    def status(self):
        try:
            with open(self.datadir / "status.json") as f:
                return json.load(f)  # written by rename: never partial
        except FileNotFoundError:
            return None

    def wait(self, predicate, timeout=WAIT_S):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            exited = self.proc.poll() is not None
            last = self.status()
            if last is not None and predicate(last):
                return last
            # An exit without a final status.json ("running": false) is a crash.
            assert not exited or (last is not None and not last["running"]), \
                f"peerlabd died with {self.proc.returncode}\n{self.stderr()}"
            time.sleep(0.05)
        pytest.fail(f"timed out waiting; last status: {json.dumps(last)[:2000]}\n{self.stderr()}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=WAIT_S)
        self.log.close()
        return code

    def stderr(self):
        return (self.datadir / "stderr.log").read_text()

    def rss_kib(self):
        for line in pathlib.Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


def established(status, direction):
    return [p for p in status["peers"]
            if p["direction"] == direction and p["handshake"] == "established"]


def frame(command, payload, magic=REGTEST_MAGIC, length=None):
    checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    return (magic + command.encode().ljust(12, b"\0") +
            struct.pack("<I", len(payload) if length is None else length) + checksum + payload)


def closed_by_peer(sock, timeout=WAIT_S):
    """True once the daemon closes `sock` (EOF or reset); False if it stays open."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.1)
        if ready:
            try:
                if sock.recv(65536) == b"":
                    return True
            except (ConnectionResetError, BrokenPipeError):
                return True
    return False


def read_frames(sock, want, timeout=WAIT_S):
    """Reads frames until every command in `want` arrived; returns the commands seen."""
    seen, buf = [], b""
    deadline = time.monotonic() + timeout
    while not set(want) <= set(seen) and time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.1)
        if not ready:
            continue
        chunk = sock.recv(65536)
        assert chunk, "daemon closed the connection"
        buf += chunk
        while len(buf) >= 24 and len(buf) >= 24 + struct.unpack("<I", buf[16:20])[0]:
            assert buf[:4] == REGTEST_MAGIC
            seen.append(buf[4:16].rstrip(b"\0").decode())
            buf = buf[24 + struct.unpack("<I", buf[16:20])[0]:]
    return seen


def version_payload(port):
    def netaddr(p):
        return struct.pack("<Q", 9) + b"\0" * 10 + b"\xff\xff" + bytes([127, 0, 0, 1]) + \
            struct.pack(">H", p)
    agent = b"/pytest/"
    return (struct.pack("<iQq", 70016, 9, int(time.time())) + netaddr(port) + netaddr(0) +
            struct.pack("<Q", 0x1234567890) + bytes([len(agent)]) + agent +
            struct.pack("<i", 0) + b"\x00")
