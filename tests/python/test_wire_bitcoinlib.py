"""Cross-check of the wire codec (`peerlab wire`) against python-bitcoinlib (Debian's
python3-bitcoinlib, module `bitcoin`), an independent implementation of the same format.

For every message type both sides know: varied messages (seeded random fields, segwit
transactions, empty and maximum-size lists) are built with python-bitcoinlib and framed with
its `to_bytes()`; `peerlab wire decode` must accept them and report the same fields. The other
way, the JSON we derive from the python objects goes through `peerlab wire encode`, which must
produce byte-identical frames, and python-bitcoinlib must parse our frames back
(`MsgSerializable.from_bytes`) and re-serialize them to the same bytes.

One known python-bitcoinlib deviation: its msg_headers omits the CompactSize tx count (always
0) that Bitcoin writes after each 80-byte header, so for `headers` the reference bytes are
built from python-bitcoinlib's CBlockHeader serialization plus that 0 byte.
"""
import ipaddress
import json
import random
import struct
import subprocess

import pytest

bitcoin = pytest.importorskip("bitcoin")
from bitcoin.core import (COutPoint, CBlock, CBlockHeader, CMutableTransaction, CMutableTxIn,  # noqa: E402
                          CMutableTxOut, CScript, CScriptWitness, CTxInWitness, CTxWitness, b2lx)
from bitcoin.core.serialize import Hash  # noqa: E402
from bitcoin import messages as M  # noqa: E402
from bitcoin.net import CAddress, CBlockLocator, CInv  # noqa: E402

bitcoin.SelectParams("mainnet")
MAGIC = bytes.fromhex("f9beb4d9")
FRAME_KEYS = {"command", "checksum_ok", "length"}


def wire(peerlab_bin, sub, data, *args):
    res = subprocess.run([peerlab_bin, "wire", sub, *args], input=data, capture_output=True,
                         timeout=300)
    return res


def decode(peerlab_bin, data):
    res = wire(peerlab_bin, "decode", data)
    assert res.returncode == 0, res.stderr.decode()
    assert res.stderr == b""
    return [json.loads(line) for line in res.stdout.decode().splitlines()]


def encode(peerlab_bin, objs):
    text = "".join(json.dumps(o) + "\n" for o in objs).encode()
    res = wire(peerlab_bin, "encode", text)
    assert res.returncode == 0, res.stderr.decode()
    return res.stdout


def frame(command, payload):
    checksum = Hash(payload)[:4]
    return MAGIC + command.encode().ljust(12, b"\0") + struct.pack("<I", len(payload)) + checksum + payload


# --- random python-bitcoinlib objects and the JSON we expect for them -------------------------

def rand_bytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def rand_count(rng, large):
    r = rng.random()
    return 0 if r < 0.15 else (rng.randint(1, 4) if r < 0.95 else rng.randint(0, large))


def rand_ip(rng):
    if rng.random() < 0.5:
        return ".".join(str(rng.randint(0, 255)) for _ in range(4))
    return str(ipaddress.IPv6Address(rand_bytes(rng, 16)))


def rand_addr(rng, with_time):
    a = CAddress()
    a.nTime = rng.getrandbits(32) if with_time else 0
    a.nServices = rng.getrandbits(64) if rng.random() < 0.5 else rng.choice([0, 1, 9, 1033])
    a.ip = rand_ip(rng)
    a.port = rng.getrandbits(16)
    return a


def addr_json(a, with_time):
    d = {"services": a.nServices, "ip": a.ip, "port": a.port}
    if with_time:
        d["time"] = a.nTime
    return d


def rand_tx(rng, segwit=None):
    segwit = rng.random() < 0.5 if segwit is None else segwit
    vin = [CMutableTxIn(COutPoint(rand_bytes(rng, 32), rng.choice([0, 1, rng.getrandbits(32)])),
                        CScript(rand_bytes(rng, rng.randint(0, 120))),
                        rng.choice([0xffffffff, rng.getrandbits(32)]))
           for _ in range(rng.randint(1, 4))]
    vout = [CMutableTxOut(rng.randint(0, 21_000_000 * 10**8), CScript(rand_bytes(rng, rng.randint(0, 40))))
            for _ in range(rand_count(rng, 30))]
    tx = CMutableTransaction(vin, vout, rng.getrandbits(32) if rng.random() < 0.3 else 0,
                             rng.choice([1, 2]))
    if segwit:
        stacks = [[rand_bytes(rng, rng.randint(0, 73)) for _ in range(rng.randint(1, 3))]
                  if i == 0 or rng.random() < 0.5 else [] for i in range(len(vin))]
        tx.wit = CTxWitness([CTxInWitness(CScriptWitness(s)) for s in stacks])
    return tx


def tx_json(tx):
    wit = tx.wit.vtxinwit if not tx.wit.is_null() else []
    inputs = []
    for i, txin in enumerate(tx.vin):
        stack = list(wit[i].scriptWitness.stack) if i < len(wit) else []
        inputs.append({"prev_txid": b2lx(txin.prevout.hash), "prev_index": txin.prevout.n,
                       "script_sig": bytes(txin.scriptSig).hex(), "sequence": txin.nSequence,
                       "witness": [bytes(x).hex() for x in stack]})
    return {"txid": b2lx(tx.GetTxid()), "wtxid": b2lx(Hash(tx.serialize())), "version": tx.nVersion,
            "inputs": inputs,
            "outputs": [{"value": o.nValue, "script_pubkey": bytes(o.scriptPubKey).hex()} for o in tx.vout],
            "lock_time": tx.nLockTime}


def rand_header(rng):
    return CBlockHeader(nVersion=rng.choice([1, 2, 0x20000000, rng.getrandbits(31)]),
                        hashPrevBlock=rand_bytes(rng, 32), hashMerkleRoot=rand_bytes(rng, 32),
                        nTime=rng.getrandbits(32), nBits=rng.getrandbits(32), nNonce=rng.getrandbits(32))


def header_json(h):
    return {"hash": b2lx(h.GetHash()), "version": h.nVersion, "prev_block": b2lx(h.hashPrevBlock),
            "merkle_root": b2lx(h.hashMerkleRoot), "time": h.nTime, "bits": h.nBits, "nonce": h.nNonce}


INV_TYPES = [1, 2, 4, 5, 0x40000001, 0x40000002, 3]


def make(kind, rng, big=False):
    """A python-bitcoinlib message of `kind` and the JSON fields we expect for it."""
    if kind == "version":
        m = M.msg_version(rng.choice([209, 60002, 70001, 70015, 70016]))
        m.nServices = rng.getrandbits(64)
        m.nTime = rng.getrandbits(63)
        m.addrTo, m.addrFrom = rand_addr(rng, False), rand_addr(rng, False)
        m.nNonce = rng.getrandbits(64)
        m.strSubVer = rand_bytes(rng, rng.randint(0, 256)) if rng.random() < 0.3 else b"/Satoshi:27.0.0/"
        m.nStartingHeight = rng.randint(-1, 2**31 - 1)
        # python-bitcoinlib reads fRelay only from 70001 on (BIP37) and then assumes True.
        m.fRelay = rng.choice([True, False]) if m.nVersion >= 70001 else True
        return m, {"version": m.nVersion, "services": m.nServices, "timestamp": m.nTime,
                   "addr_recv": addr_json(m.addrTo, False), "addr_from": addr_json(m.addrFrom, False),
                   "nonce": m.nNonce, "user_agent": m.strSubVer.decode("latin-1"),
                   "start_height": m.nStartingHeight, "relay": m.fRelay}
    if kind in ("verack", "getaddr", "mempool"):
        return getattr(M, "msg_" + kind)(), {}
    if kind in ("ping", "pong"):
        m = getattr(M, "msg_" + kind)(nonce=rng.getrandbits(64))
        return m, {"nonce": m.nonce}
    if kind == "addr":
        m = M.msg_addr()
        m.addrs = [rand_addr(rng, True) for _ in range(1000 if big else rand_count(rng, 1000))]
        return m, {"addrs": [addr_json(a, True) for a in m.addrs]}
    if kind in ("inv", "getdata", "notfound"):
        m = getattr(M, "msg_" + kind)()
        for _ in range(50_000 if big else rand_count(rng, 2000)):
            i = CInv()
            i.type, i.hash = rng.choice(INV_TYPES), rand_bytes(rng, 32)
            m.inv.append(i)
        return m, {"items": [{"type": i.type, "hash": b2lx(i.hash)} for i in m.inv]}
    if kind in ("getblocks", "getheaders"):
        m = getattr(M, "msg_" + kind)()
        m.locator = CBlockLocator(rng.choice([70016, rng.getrandbits(31)]))
        m.locator.vHave = [rand_bytes(rng, 32) for _ in range(101 if big else rand_count(rng, 101))]
        m.hashstop = rand_bytes(rng, 32) if rng.random() < 0.5 else b"\0" * 32
        return m, {"version": m.locator.nVersion, "locator": [b2lx(h) for h in m.locator.vHave],
                   "hash_stop": b2lx(m.hashstop)}
    if kind == "headers":
        m = M.msg_headers()
        m.headers = [rand_header(rng) for _ in range(2000 if big else rand_count(rng, 2000))]
        return m, {"headers": [header_json(h) for h in m.headers]}
    if kind == "tx":
        m = M.msg_tx()
        m.tx = rand_tx(rng)
        return m, tx_json(m.tx)
    if kind == "block":
        h = rand_header(rng)
        vtx = [rand_tx(rng) for _ in range(rng.randint(1, 60) if big else rng.randint(1, 4))]
        m = M.msg_block()
        # A zero merkle root makes python-bitcoinlib compute the real one.
        m.block = CBlock(h.nVersion, h.hashPrevBlock, b"\0" * 32, h.nTime, h.nBits, h.nNonce, vtx)
        hj = header_json(m.block.get_header())
        return m, {"hash": hj["hash"], "header": hj,
                   "txs": [tx_json(tx) for tx in vtx]}
    raise AssertionError(kind)


def reference_bytes(kind, m):
    """The Bitcoin frame for m (python-bitcoinlib's to_bytes, headers fixed as documented)."""
    if kind == "headers":
        payload = bytes([len(m.headers)]) if len(m.headers) < 253 else b"\xfd" + struct.pack("<H", len(m.headers))
        payload += b"".join(h.serialize() + b"\0" for h in m.headers)
        return frame("headers", payload)
    return m.to_bytes()


KINDS = ["version", "verack", "addr", "inv", "getdata", "notfound", "getblocks", "getheaders",
         "headers", "tx", "block", "getaddr", "ping", "pong", "mempool"]


def strip_derived(obj):
    """The JSON minus values the encoder ignores (it derives them)."""
    if isinstance(obj, dict):
        derived = {"txid", "wtxid"} | ({"hash"} if "merkle_root" in obj or "header" in obj else set())
        return {k: strip_derived(v) for k, v in obj.items() if k not in derived}
    if isinstance(obj, list):
        return [strip_derived(v) for v in obj]
    return obj


def normalise(obj):
    """IPv6 text may be spelled differently (inet_ntop vs RFC 5952); compare addresses."""
    if isinstance(obj, dict):
        return {k: (ipaddress.ip_address(v) if k == "ip" else normalise(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [normalise(v) for v in obj]
    return obj


@pytest.mark.parametrize("kind", KINDS)
def test_python_frames_decode_to_the_same_fields(peerlab_bin, kind):
    rng = random.Random(f"decode-{kind}")
    cases = [make(kind, rng) for _ in range(25)] + [make(kind, rng, big=True)]
    stream = b"".join(reference_bytes(kind, m) for m, _ in cases)
    decoded = decode(peerlab_bin, stream)
    assert len(decoded) == len(cases)
    for (m, expected), got in zip(cases, decoded):
        assert got["command"] == kind and got["checksum_ok"] is True
        assert got["length"] == len(reference_bytes(kind, m)) - 24
        fields = {k: v for k, v in got.items() if k not in FRAME_KEYS}
        assert normalise(fields) == normalise(expected)


@pytest.mark.parametrize("kind", KINDS)
def test_our_encoding_is_byte_identical_and_parses_in_python(peerlab_bin, kind):
    rng = random.Random(f"encode-{kind}")
    cases = [make(kind, rng) for _ in range(25)] + [make(kind, rng, big=True)]
    ours = encode(peerlab_bin, [{"command": kind, **strip_derived(fields)} for _, fields in cases])
    reference = b"".join(reference_bytes(kind, m) for m, _ in cases)
    assert ours == reference
    # python-bitcoinlib parses our frames back and re-serializes them to the same bytes.
    if kind == "headers":
        return  # its msg_headers lacks the tx count byte (module docstring)
    pos = 0
    for m, _ in cases:
        n = 24 + struct.unpack_from("<I", ours, pos + 16)[0]
        parsed = M.MsgSerializable.from_bytes(ours[pos:pos + n])
        assert parsed is not None and parsed.command == kind.encode()
        assert parsed.to_bytes() == ours[pos:pos + n]
        pos += n
    assert pos == len(ours)


def test_decode_then_encode_reproduces_the_stream(peerlab_bin):
    rng = random.Random("stream")
    stream = b"".join(reference_bytes(k, make(k, rng)[0]) for k in KINDS for _ in range(3))
    lines = wire(peerlab_bin, "decode", stream).stdout
    res = wire(peerlab_bin, "encode", lines)
    assert res.returncode == 0, res.stderr.decode()
    assert res.stdout == stream
    hexed = wire(peerlab_bin, "encode", lines, "--hex").stdout.decode().strip()
    assert bytes.fromhex(hexed) == stream


def test_golden_blocks_decode_with_real_ids(peerlab_bin, root):
    genesis = bytes.fromhex((root / "tests/data/wire/genesis_block.hex").read_text().strip())
    block170 = bytes.fromhex((root / "tests/data/wire/block170.hex").read_text().strip())
    got = decode(peerlab_bin, frame("block", genesis) + frame("block", block170))
    assert got[0]["hash"] == "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
    assert got[0]["txs"][0]["txid"] == "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
    assert got[1]["hash"] == "00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee"
    assert got[1]["txs"][1]["txid"] == "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
    assert got[1]["txs"][1]["outputs"][0]["value"] == 10 * 10**8
    # python-bitcoinlib agrees on the parsed block.
    blk = CBlock.deserialize(block170)
    assert b2lx(blk.GetHash()) == got[1]["hash"]
    assert [b2lx(tx.GetTxid()) for tx in blk.vtx] == [tx["txid"] for tx in got[1]["txs"]]


def test_bad_bytes_give_one_line_per_bad_message_and_status_2(peerlab_bin):
    ping = M.msg_ping(nonce=1).to_bytes()
    bad_sum = bytearray(M.msg_pong(nonce=2).to_bytes())
    bad_sum[20] ^= 0xff
    bad_payload = frame("inv", b"\xfe\x00\x00\x00\x02")  # absurd count
    stream = ping + bytes(bad_sum) + bad_payload + M.msg_verack().to_bytes()
    res = wire(peerlab_bin, "decode", stream)
    assert res.returncode == 2
    errors = res.stderr.decode().splitlines()
    assert errors == [
        f"peerlab wire decode: message 2 at byte {len(ping)}: bad checksum",
        f"peerlab wire decode: message 3 at byte {len(ping) + len(bad_sum)}: "
        "inv: inv count 33554432 exceeds limit 50000 at payload byte 5",
    ]
    lines = [json.loads(x) for x in res.stdout.decode().splitlines()]
    assert [x["command"] for x in lines] == ["ping", "pong", "inv", "verack"]
    assert lines[1]["checksum_ok"] is False and lines[1]["nonce"] == 2
    assert lines[2]["payload"] == "fe00000002"
    # Bad magic and oversize lengths stop decoding: the frame boundary is lost.
    oversize = bytearray(M.msg_ping(nonce=1).to_bytes())
    oversize[16:20] = struct.pack("<I", 4_000_001)
    res = wire(peerlab_bin, "decode", ping + bytes(oversize) + ping)
    assert res.returncode == 2 and len(res.stdout.decode().splitlines()) == 1
    assert "oversize payload length 4000001 (max 4000000); stopping" in res.stderr.decode()
    res = wire(peerlab_bin, "decode", ping, "--magic", "regtest")
    assert res.returncode == 2 and "message 1 at byte 0: bad magic" in res.stderr.decode()


def test_encode_errors_name_line_and_field(peerlab_bin):
    text = b'{"command":"ping","nonce":1}\n\n{"command":"inv","items":[{"type":1,"hash":"xyz"}]}\n'
    res = wire(peerlab_bin, "encode", text)
    assert res.returncode == 2 and res.stdout == b""
    assert res.stderr.decode() == ("peerlab wire encode: line 3: items[0].hash: expected a 64-digit hex hash\n")


def test_help(peerlab_bin):
    for sub in ("decode", "encode"):
        res = subprocess.run([peerlab_bin, "wire", sub, "--help"], capture_output=True, text=True)
        assert res.returncode == 0 and f"peerlab wire {sub}" in res.stdout
