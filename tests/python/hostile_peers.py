"""Hostile clients for peerlabd (docs/testbed.md "Hostile peers"), shared by test_peerlabd.py
and the measurement script scripts/peerlabd_hostile.py: idle and slow-loris connection
floods from chosen loopback addresses, an honest raw handshake that reports how long it took,
and chains of regtest headers with valid proof of work for header floods.

Linux routes all of 127.0.0.0/8 to loopback, so binding a client to 127.0.0.x makes the
daemon see a distinct peer address without any network setup.
"""
import hashlib
import select
import socket
import struct
import time

from peerlabd_proc import frame, version_payload

# bitcoin-regtest and peerlab-sim share Bitcoin's regtest genesis block.
REGTEST_GENESIS = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
REGTEST_GENESIS_TIME = 1296688602
REGTEST_BITS = 0x207FFFFF
REGTEST_TARGET = 0x7FFFFF << (8 * (0x20 - 3))


def readable(sock, timeout_s):
    """select() cannot watch descriptors above 1,023, which a flood of 2,000 sockets reaches."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(timeout_s * 1000))


def connect_from(source_ip, port, timeout=30):
    """A TCP connection to 127.0.0.1:port whose source address is `source_ip`."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source_ip, 0))
    s.connect(("127.0.0.1", port))
    return s


def spread_addresses(count, first=2):
    """`count` loopback addresses 127.0.x.y, starting at 127.0.0.`first`, never 127.0.0.1."""
    out = []
    n = first
    while len(out) < count:
        out.append(f"127.0.{n // 250}.{n % 250 + 1}" if n >= 250 else f"127.0.0.{n}")
        n += 1
    return out


def open_idle(port, sources, per_source):
    """per_source connections from each address in `sources`, each sending one byte (so the
    kernel's accept queue cannot silently drop them; see test_peerlabd.open_flood). Sockets
    the daemon already closed are kept too: the caller closes everything."""
    socks = []
    for src in sources:
        for _ in range(per_source):
            try:
                s = connect_from(src, port)
            except OSError:
                continue  # accept queue full and SYN dropped for too long: not a connection
            try:
                s.send(b"\xfa")  # the first byte of the regtest magic: a frame that never ends
            except OSError:
                pass
            socks.append(s)
    return socks


def trickle(socks, byte=b"\xbf"):
    """One more byte on every socket still open (a slow-loris step); returns how many took it."""
    alive = 0
    for s in socks:
        try:
            s.send(byte)
            alive += 1
        except OSError:
            pass
    return alive


def honest_handshake(port, source_ip="127.0.0.1", timeout=10):
    """Connects, completes version/verack and gets a pong for a ping (only an established
    peer is answered), as an honest dialler does. Returns the seconds from the connect call to
    the pong, or None if the daemon closed the connection or `timeout` passed."""
    started = time.monotonic()
    deadline = started + timeout
    try:
        s = connect_from(source_ip, port, timeout=timeout)
    except OSError:
        return None
    try:
        s.sendall(frame("version", version_payload(port)))
        buf, sent_verack = b"", False
        while time.monotonic() < deadline:
            if not readable(s, 0.05):
                continue
            chunk = s.recv(65536)
            if not chunk:
                return None
            buf += chunk
            while len(buf) >= 24 and len(buf) >= 24 + struct.unpack("<I", buf[16:20])[0]:
                command = buf[4:16].rstrip(b"\0").decode()
                buf = buf[24 + struct.unpack("<I", buf[16:20])[0]:]
                if command == "verack" and not sent_verack:
                    s.sendall(frame("verack", b"") + frame("ping", struct.pack("<Q", 99)))
                    sent_verack = True
                elif command == "pong":
                    return time.monotonic() - started
        return None
    except OSError:
        return None
    finally:
        s.close()


def sha256d(data):
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def grind_headers(count, prev_hex=REGTEST_GENESIS, first_time=REGTEST_GENESIS_TIME + 1,
                  tag=b"flood"):
    """`count` regtest headers, each on the previous, starting on block `prev_hex`, with valid
    proof of work (about two tries each) and strictly increasing times (so each is after its
    parent's median time past)."""
    merkle = hashlib.sha256(tag).digest()
    prev = bytes.fromhex(prev_hex)[::-1]
    headers = []
    for i in range(count):
        fixed = struct.pack("<i", 0x20000000) + prev + merkle + \
            struct.pack("<II", first_time + i, REGTEST_BITS)
        nonce = 0
        while True:
            header = fixed + struct.pack("<I", nonce)
            digest = sha256d(header)
            if int.from_bytes(digest, "little") <= REGTEST_TARGET:
                break
            nonce += 1
        headers.append(header)
        prev = digest
    return headers


def headers_frames(headers, per_message=2000):
    """`headers` messages of at most 2,000 headers each (Core's MAX_HEADERS_RESULTS)."""
    out = []
    for i in range(0, len(headers), per_message):
        chunk = headers[i:i + per_message]
        count = len(chunk)
        varint = bytes([count]) if count < 0xFD else b"\xfd" + struct.pack("<H", count)
        out.append(frame("headers", varint + b"".join(h + b"\x00" for h in chunk)))
    return out


def drain(sock):
    """Reads whatever the daemon sent (getheaders, getdata) so its send queue to us stays
    short; False once it closed the connection."""
    try:
        while readable(sock, 0):
            if not sock.recv(1 << 20):
                return False
    except OSError:
        return False
    return True
