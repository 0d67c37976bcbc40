"""Real blocks against independent implementations (chain parameters, scrypt PoW, mining).

`peerlab wire mine` builds real blocks with the protocol layer's miner (families/bitcoin/mining.hpp);
python-bitcoinlib (Debian's python3-bitcoinlib) must parse them to the same id and merkle
root, and Python's hashlib.scrypt must give the same proof-of-work hash on litecoin-regtest.
Then litecoind 0.21 itself (the `litecoind` fixture, conftest.py: regtest, own datadir under
/tmp, loopback only): it must accept our mined blocks (`submitblock`), and every block it mines
must pass `peerlab wire check-block` (scrypt PoW, merkle root and witness commitment,
byte-identical re-serialization).
"""
import hashlib
import json
import subprocess

import pytest

bitcoin = pytest.importorskip("bitcoin")
from bitcoin.core import CBlock, b2lx  # noqa: E402


def run(peerlab_bin, *args, data=None):
    res = subprocess.run([peerlab_bin, "wire", *args], input=data, capture_output=True,
                         text=True, timeout=600)
    return res


def mine(peerlab_bin, chain, blocks, *extra):
    res = run(peerlab_bin, "mine", "--chain", chain, "--blocks", str(blocks), *extra)
    assert res.returncode == 0, res.stderr
    return [bytes.fromhex(line) for line in res.stdout.split()]


def check(peerlab_bin, chain, blocks):
    res = run(peerlab_bin, "check-block", "--chain", chain,
              data="".join(b.hex() + "\n" for b in blocks))
    return res.returncode, [json.loads(line) for line in res.stdout.splitlines()]


def scrypt_pow(header):
    return hashlib.scrypt(header, salt=header, n=1024, r=1, p=1, dklen=32)[::-1].hex()


@pytest.mark.parametrize("chain", ["bitcoin-regtest", "litecoin-regtest"])
def test_mined_blocks_parse_in_bitcoinlib(peerlab_bin, chain):
    blocks = mine(peerlab_bin, chain, 12, "--script", "6a")
    code, reports = check(peerlab_bin, chain, blocks)
    assert code == 0, reports
    prev = None
    for height, (raw, rep) in enumerate(zip(blocks, reports), start=1):
        b = CBlock.deserialize(raw)
        assert b.serialize() == raw
        assert b2lx(b.GetHash()) == rep["hash"]
        assert b2lx(b.hashMerkleRoot) == rep["merkle_root"]
        assert b.calc_merkle_root() == b.hashMerkleRoot
        assert b.nBits == 0x207fffff
        if prev is not None:
            assert b.hashPrevBlock == prev
        prev = b.GetHash()
        cb = b.vtx[0]
        assert cb.is_coinbase()
        assert cb.vout[0].nValue == 50 * 100_000_000
        assert cb.vout[0].scriptPubKey == bytes.fromhex("6a")
        # BIP34: the scriptSig starts with the height as a script number.
        script = bytes(cb.vin[0].scriptSig)
        if height <= 16:
            assert script[0] == 0x50 + height
        else:
            assert script[1:1 + script[0]] == height.to_bytes(script[0], "little")
        header = raw[:80]
        target = int.from_bytes(bytes.fromhex("7fffff") + bytes(29), "big")
        if chain == "litecoin-regtest":
            assert rep["pow_hash"] == scrypt_pow(header)
        else:
            assert rep["pow_hash"] == rep["hash"]
        assert int(rep["pow_hash"], 16) <= target


def test_subsidy_halves_at_150(peerlab_bin):
    blocks = mine(peerlab_bin, "litecoin-regtest", 151)
    values = [CBlock.deserialize(b).vtx[0].vout[0].nValue for b in blocks]
    assert values[148] == 50 * 100_000_000  # height 149
    assert values[149] == 25 * 100_000_000  # height 150
    assert values[150] == 25 * 100_000_000


def test_check_block_rejects_a_tampered_block(peerlab_bin):
    raw = bytearray(mine(peerlab_bin, "litecoin-regtest", 1)[0])
    raw[-5] ^= 1  # inside the coinbase output script: the merkle root no longer matches
    code, reports = check(peerlab_bin, "litecoin-regtest", [bytes(raw)])
    assert code == 2
    assert reports[0]["body_ok"] is False
    assert "bad-txnmrklroot" in reports[0]["error"]


def test_litecoind_accepts_our_blocks_and_we_accept_its_blocks(peerlab_bin, litecoind):
    ltc = litecoind
    assert ltc.call("getblockhash", 0) == \
        "530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9"
    # Our miner's blocks, submitted as a peer would relay them: litecoind validates them fully
    # (scrypt PoW, subsidy through three halvings, merkle root, median time past, and the
    # BIP34 height in the coinbase, enforced on regtest from height 500).
    ours = mine(peerlab_bin, "litecoin-regtest", 510)
    for raw in ours:
        assert ltc.call("submitblock", raw.hex()) is None  # None: accepted
    assert ltc.call("getblockcount") == 510
    assert ltc.call("getbestblockhash") == b2lx(CBlock.deserialize(ours[-1]).GetHash())
    assert ltc.call("getblockchaininfo")["softforks"]["bip34"]["active"] is True

    # litecoind's own blocks on top (its coinbases carry BIP141 witness commitments).
    ltc.call("createwallet", "w")
    address = ltc.call("getnewaddress")
    ltc.call("generatetoaddress", 110, address)
    assert ltc.call("getblockcount") == 620
    hashes = [ltc.call("getblockhash", h) for h in range(1, 621)]
    raws = [bytes.fromhex(ltc.call("getblock", h, 0)) for h in hashes]
    assert raws[:510] == ours
    code, reports = check(peerlab_bin, "litecoin-regtest", raws)
    assert code == 0, [r for r in reports if not (r["pow_ok"] and r["body_ok"])]
    assert [r["hash"] for r in reports] == hashes
    for raw, rep in zip(raws, reports):
        assert rep["pow_ok"] and rep["body_ok"] and rep["reserialized"]
        assert rep["pow_hash"] == scrypt_pow(raw[:80])
    # And tampered litecoind blocks fail our checks: another witness nonce in the coinbase
    # (the commitment no longer matches), a nonce whose scrypt hash misses the target.
    bad = bytearray(raws[-1])
    bad[-5] ^= 1  # last byte of the coinbase's 32-byte witness nonce, before the lock time
    code, reports = check(peerlab_bin, "litecoin-regtest", [bytes(bad)])
    assert code == 2 and "bad-witness-merkle-match" in reports[0]["error"]
    bad = bytearray(raws[-1])
    target = int.from_bytes(bytes.fromhex("7fffff") + bytes(29), "big")
    for nonce in range(1 << 16):
        bad[76:80] = nonce.to_bytes(4, "little")
        if int(scrypt_pow(bytes(bad[:80])), 16) > target:
            break
    code, reports = check(peerlab_bin, "litecoin-regtest", [bytes(bad)])
    assert code == 2 and reports[0]["pow_ok"] is False and reports[0]["body_ok"] is True
