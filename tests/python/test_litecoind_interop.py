"""peerlabd and litecoind 0.21 on regtest over real loopback sockets (issue 9, item 5).

Each test starts a fresh litecoind (the `litecoind` fixture, conftest.py and litecoind.py: own
datadir under /tmp, free ports, -debug=net) and peerlabd --chain litecoin-regtest, and checks
both sides: peerlabd's status.json, blocks.csv and saved blocks, litecoind's RPC. A failure
shows the tail of litecoind's debug.log (why it dropped us) and peerlabd's log lines.

Facts the tests rely on: a fresh litecoind is in initial block download (its genesis is old)
and ignores getheaders until it has a block of today; its regtest coinbases carry BIP141
witness commitments; coinbases mature after 100 blocks. Figures are printed (pytest -s).
"""
import hashlib
import signal
import socket
import struct
import time

import pytest
from bitcoin.core import CBlock, b2lx, lx

from litecoind import RpcError
from peerlabd_proc import closed_by_peer, established, frame, read_frames, version_payload

CHAIN = "litecoin-regtest"
GENESIS = "530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9"
REGTEST_TARGET = int.from_bytes(bytes.fromhex("7fffff") + bytes(29), "big")  # bits 0x207fffff
SYNC_WAIT_S = 120  # generous: scrypt checks and two busy shared cores


def until(predicate, what, context, timeout=SYNC_WAIT_S):
    """Polls `predicate` until it returns something true; fails with `context()` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{context()}")
        time.sleep(0.1)


def context(ltc, daemon):
    def show():
        net = [line for line in ltc.debug_log().splitlines()
               if "peer=" in line or "disconnect" in line.lower()]
        return ("litecoind debug.log (net lines, last 40):\n" + "\n".join(net[-40:]) +
                "\npeerlabd log:\n" + daemon.stderr()[-3000:])
    return show


def peerlab_peers(ltc):
    return [p for p in ltc.call("getpeerinfo") if p["subver"].startswith("/peerlab:")]


def generate(ltc, n):
    if "w" not in ltc.call("listwallets"):
        ltc.call("createwallet", "w")
    return ltc.call("generatetoaddress", n, ltc.call("getnewaddress", "", "bech32"))


def block_rows(daemon):
    lines = (daemon.datadir / "blocks.csv").read_text().splitlines()
    return [dict(zip(lines[0].split(","), line.split(","))) for line in lines[1:]]


def scrypt_hash(header):
    return int.from_bytes(hashlib.scrypt(header, salt=header, n=1024, r=1, p=1, dklen=32),
                          "little")


def test_handshake_with_litecoind(spawn, litecoind):
    ltc = litecoind
    d = spawn("p", "--connect", f"127.0.0.1:{ltc.port}", "--ping-interval", "0.5", chain=CHAIN)
    show = context(ltc, d)
    s = d.wait(lambda s: len(established(s, "outbound")) == 1)
    assert established(s, "outbound")[0]["address"] == f"127.0.0.1:{ltc.port}"
    peer = until(lambda: peerlab_peers(ltc), "litecoind to list peerlabd", show)[0]
    assert peer["subver"] == "/peerlab:0.1.0/" and peer["version"] == 70016
    assert peer["inbound"] is True
    assert int(peer["services"], 16) == 1 | 8  # NODE_NETWORK | NODE_WITNESS
    # The version's timestamp is our clock (litecoind's time offset for us is small) and its
    # receiver address is litecoind's own, as Core fills them.
    assert abs(peer["timeoffset"]) <= 5, peer
    assert peer["addrlocal"] == f"127.0.0.1:{ltc.port}", peer

    # The connection carries on: litecoind's ping at the handshake gets our pong (its
    # pingtime), ours get its pongs, over several rounds.
    until(lambda: [p for p in peerlab_peers(ltc) if "pingtime" in p
                   and p["bytesrecv_per_msg"].get("ping", 0) >= 5 * 32],
          "five pings from peerlabd and a pong from it", show)
    s = d.wait(lambda s: s["peers"] and s["peers"][0]["ping_ms"] is not None)
    peer = peerlab_peers(ltc)[0]
    # What litecoind sent that the node does not model was dropped, not punished.
    sent_to_us = set(peer["bytessent_per_msg"])
    assert {"version", "verack", "wtxidrelay", "sendaddrv2", "sendheaders", "sendcmpct",
            "ping", "pong", "feefilter"} <= sent_to_us, sent_to_us
    assert s["counters"]["punishments"] == 0 and s["peers"][0]["misbehavior"] == 0
    assert s["connect"][0]["failures"] == 0 and s["connect"][0]["attempts"] == 1
    assert (d.datadir / "peers.csv").read_text().count("\n") == 1  # header only: no closes
    assert s["tip"]["id"] == GENESIS


def test_headers_and_blocks_sync_from_litecoind(spawn, litecoind):
    ltc = litecoind
    hashes = generate(ltc, 110)
    d = spawn("p", "--connect", f"127.0.0.1:{ltc.port}", chain=CHAIN)
    show = context(ltc, d)
    s = d.wait(lambda s: s["tip"]["height"] == 110, timeout=SYNC_WAIT_S)
    # The figure from peerlabd's log lines ("peerlabd [uptime] ..."): handshake to tip 110.
    stamps = {}
    for line in d.stderr().splitlines():
        at = float(line.split("[", 1)[1].split("]", 1)[0])
        if "handshake complete" in line:
            stamps.setdefault("handshake", at)
        elif line.endswith(" height 110") and " tip " in line:
            stamps["tip"] = at
    print(f"\n110 litecoind blocks synced {stamps['tip'] - stamps['handshake']:.3f} s after "
          f"the handshake ({stamps['handshake']:.3f} s after peerlabd started)")
    assert s["tip"]["id"] == ltc.call("getbestblockhash") == hashes[-1]
    assert s["best_header_height"] == 110 and s["headers"] == 110
    # Every header's scrypt proof of work was checked once (none mined here).
    assert s["pow_checks"] == 110 and s["blocks_mined"] == 0
    assert s["counters"]["punishments"] == 0, show()
    rows = block_rows(d)
    assert [r["id"] for r in rows] == hashes
    assert [r["parent"] for r in rows] == [GENESIS] + hashes[:-1]
    assert [int(r["height"]) for r in rows] == list(range(1, 111))
    assert all(r["miner"] == "" for r in rows)
    # The sizes are litecoind's: the blocks' serialized bytes, witnesses included.
    for r in rows[::11] + rows[-1:]:
        assert int(r["size_bytes"]) == ltc.call("getblock", r["id"], 1)["size"]


def test_tip_block_is_litecoinds_witness_block(spawn, litecoind):
    ltc = litecoind
    generate(ltc, 101)  # the first coinbase matures
    txid = ltc.call("sendtoaddress", ltc.call("getnewaddress", "", "bech32"), 1.5)
    tip = generate(ltc, 1)[0]
    assert txid in ltc.call("getblock", tip, 1)["tx"]
    d = spawn("p", "--connect", f"127.0.0.1:{ltc.port}", "--save-blocks", chain=CHAIN)
    d.wait(lambda s: s["tip"]["id"] == tip, timeout=SYNC_WAIT_S)
    raw = (d.datadir / "blocks" / f"{tip}.bin").read_bytes()
    assert raw == bytes.fromhex(ltc.call("getblock", tip, 0))
    assert len(list((d.datadir / "blocks").glob("*.bin"))) == 102
    # An independent parser: same id, merkle root recomputed from the transactions, and the
    # witness data is there (the block was fetched as MSG_WITNESS_BLOCK), matching the
    # coinbase's BIP141 commitment.
    b = CBlock.deserialize(raw)
    assert b.serialize() == raw
    assert b2lx(b.GetHash()) == tip
    assert b.calc_merkle_root() == b.hashMerkleRoot
    assert [b2lx(tx.GetTxid()) for tx in b.vtx][1:] == [txid]
    assert b.vtx[1].has_witness() and b.vtx[0].has_witness()
    commitment = b.vtx[0].vout[b.get_witness_commitment_index()].scriptPubKey[6:38]
    reserved = b.vtx[0].wit.vtxinwit[0].scriptWitness.stack[0]
    assert hashlib.sha256(hashlib.sha256(b.calc_witness_merkle_root() + reserved).digest()
                          ).digest() == commitment
    assert scrypt_hash(raw[:80]) <= REGTEST_TARGET


def test_block_mined_by_peerlabd_is_accepted_by_litecoind(spawn, litecoind):
    ltc = litecoind
    hashes = generate(ltc, 5)
    d = spawn("p", "--connect", f"127.0.0.1:{ltc.port}", "--save-blocks", chain=CHAIN)
    show = context(ltc, d)
    d.wait(lambda s: s["tip"]["id"] == hashes[-1], timeout=SYNC_WAIT_S)
    d.proc.send_signal(signal.SIGUSR1)  # one block now, on the synced tip
    s = d.wait(lambda s: s["blocks_mined"] == 1)
    ours = s["tip"]["id"]
    assert s["tip"]["height"] == 6 and ours not in hashes
    mined_at = time.monotonic()
    until(lambda: ltc.call("getbestblockhash") == ours, "litecoind to take our block", show)
    print(f"\nour block reached litecoind's tip {time.monotonic() - mined_at:.2f} s after "
          f"status.json showed it")
    block = ltc.call("getblock", ours, 2)
    assert block["height"] == 6 and block["previousblockhash"] == hashes[-1]
    assert bytes.fromhex(ltc.call("getblock", ours, 0)) == \
        (d.datadir / "blocks" / f"{ours}.bin").read_bytes()
    coinbase = block["tx"][0]
    assert len(block["tx"]) == 1 and coinbase["vout"][0]["value"] == 50
    assert coinbase["vout"][0]["scriptPubKey"]["hex"] == "51"  # OP_TRUE
    assert ltc.call("getchaintips")[0] == {"height": 6, "hash": ours, "branchlen": 0,
                                           "status": "active"}
    assert peerlab_peers(ltc), "litecoind dropped us"


def headers_payload(header):
    return b"\x01" + header + b"\x00"  # one header, no transactions


def header_on_genesis(nonce, time_s, merkle):
    return (struct.pack("<i", 0x20000000) + lx(GENESIS) + merkle +
            struct.pack("<III", time_s, 0x207FFFFF, nonce))


def handshake(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(frame("version", version_payload(port)))
    assert {"version", "verack"} <= set(read_frames(s, ["version", "verack"]))
    s.sendall(frame("verack", b""))
    return s


def test_header_with_bad_scrypt_pow_is_rejected(spawn, litecoind):
    # A scripted peer (litecoind would never send it) feeds a header on genesis whose nonce
    # misses the target; then, on a new connection, the same header with a nonce that meets
    # it. Only the proof of work differs: the first is punished, the second taken.
    ltc = litecoind
    d = spawn("p", chain=CHAIN)
    show = context(ltc, d)
    merkle, now = hashlib.sha256(b"peerlab").digest(), int(time.time())
    bad = good = None
    for nonce in range(1000):
        h = header_on_genesis(nonce, now, merkle)
        ok = scrypt_hash(h) <= REGTEST_TARGET
        bad, good = (bad, good or h) if ok else (bad or h, good)
        if bad and good:
            break
    # litecoind agrees on which is which (its submitheader runs the same header checks).
    with pytest.raises(RpcError, match="high-hash"):
        ltc.call("submitheader", bad.hex())
    assert ltc.call("submitheader", good.hex()) is None

    s = handshake(d.port)
    d.wait(lambda st: len(established(st, "inbound")) == 1)
    before = d.status()
    s.sendall(frame("headers", headers_payload(bad)))
    assert closed_by_peer(s), "peerlabd kept a peer that sent a header with a bad PoW"
    s.close()
    st = d.wait(lambda st: st["peers"] == [] and st["counters"]["punishments"] >= 1)
    assert st["tip"] == before["tip"] and st["tip"]["id"] == GENESIS
    assert st["headers"] == 0 and st["best_header_height"] == 0
    assert st["pow_checks"] == 1
    assert st["offenders"][-1]["misbehavior"] == 100
    assert st["offenders"][-1]["reason"] == "misbehaviour score 100 (malformed message)", show()

    s = handshake(d.port)
    d.wait(lambda st: len(established(st, "inbound")) == 1)
    s.sendall(frame("headers", headers_payload(good)))
    st = d.wait(lambda st: st["headers"] == 1)
    assert st["best_header_height"] == 1 and st["pow_checks"] == 2
    assert st["counters"]["punishments"] == 1 and len(established(st, "inbound")) == 1
    s.close()


def test_litecoind_dials_peerlabd_and_takes_its_blocks(spawn, litecoind):
    ltc = litecoind
    d = spawn("p", "--mine", "0.1", "--mine-limit", "3", chain=CHAIN)
    show = context(ltc, d)
    s = d.wait(lambda s: s["blocks_mined"] == 3)
    ltc.call("addnode", f"127.0.0.1:{d.port}", "onetry")
    s = d.wait(lambda s: len(established(s, "inbound")) == 1)
    peer = until(lambda: peerlab_peers(ltc), "litecoind's connection to peerlabd", show)[0]
    assert peer["inbound"] is False and peer["addr"] == f"127.0.0.1:{d.port}"
    assert abs(peer["timeoffset"]) <= 5, peer  # a clock sample it takes from outbound peers
    # Litecoind is in initial block download and we are its only outbound peer: it syncs our
    # three blocks with getheaders/getdata.
    until(lambda: ltc.call("getbestblockhash") == s["tip"]["id"],
          "litecoind to sync peerlabd's 3 blocks", show)
    # A fourth block is announced to it (headers, as it asked with sendheaders).
    d.proc.send_signal(signal.SIGUSR1)
    s = d.wait(lambda s: s["blocks_mined"] == 4)
    until(lambda: ltc.call("getbestblockhash") == s["tip"]["id"],
          "litecoind to take peerlabd's 4th block", show)
    assert ltc.call("getblockcount") == 4
    assert [ltc.call("getblockhash", h) for h in range(1, 5)] == \
        [r["id"] for r in block_rows(d)]
    assert d.status()["counters"]["punishments"] == 0 and peerlab_peers(ltc)
