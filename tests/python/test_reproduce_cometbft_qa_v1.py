"""cometbft-qa-v1 in quick mode (50 nodes, a third of the load time): the outputs exist, the
published numbers are the report's, and peerlab's values are those of a live Tendermint network.

Quick mode is not the QA's setting, so whether its comparisons pass is not asserted; the exit
status must agree with comparison.json.
"""
import csv
import json

from peerlab import reproduce
from peerlab.reproduce import cometbft_qa_v1


def test_cometbft_qa_v1_quick(tmp_path):
    rc = reproduce.main(["cometbft-qa-v1", "--quick", "--out", str(tmp_path), "--workers", "1",
                         "--quiet"])
    out = tmp_path / "cometbft-qa-v1"
    for f in ("figure.png", "figure.svg", "table.csv", "comparison.json"):
        assert (out / f).stat().st_size > 0, f
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["entry"] == "cometbft-qa-v1" and doc["mode"] == "quick"
    assert rc == (0 if doc["passed"] else 1)
    comps = doc["comparisons"]
    # Per setting: blocks per minute (compared) and rounds (missing); then the two cells of
    # the saturation table at 400 tx/s; then transaction latency (missing).
    assert [c["published"] for c in comps] == [30.0, None, 10.0, None, 31200.0, 34600.0, None]
    assert all(c["source"].startswith("cometbft/cometbft docs/references/qa/CometBFT-QA-v1.md")
               for c in comps)
    for c in comps:
        if c["published"] is None:
            assert c["missing"] and c["passed"]
        else:
            assert c["tolerance"] > 0 and "SE over 2 seeds" in c["derivation"]
            assert "QUICK MODE" in c["note"]

    rows = {r["setting"]: r for r in csv.DictReader((out / "table.csv").open())}
    assert set(rows) == {"no-le", "le"}
    for key, r in rows.items():
        assert int(r["nodes"]) == cometbft_qa_v1.QUICK["nodes"] and int(r["seeds"]) == 2
        # A live chain: commits every few seconds, never more often than timeout_commit allows
        # (1 s between heights), and most heights in round 0.
        bpm = float(r["blocks_per_min"])
        assert 5 < bpm < 60, (key, bpm)
        assert 0 <= float(r["extra_rounds_per_height"]) < 0.5
        assert int(r["max_rounds"]) >= 1
        # Nearly all of the 400 tx/s offered is committed (the last block interval may not be).
        offered = 400 * int(r["load_s"])
        assert 0.8 * offered < float(r["txs_committed"]) < 1.1 * offered, (key, r)
        # A transaction waits for the next proposal and its commit: at least the consensus
        # part of a height (the commit latency), and less than a few block intervals.
        p50, p90 = float(r["tx_latency_p50_s"]), float(r["tx_latency_p90_s"])
        assert float(r["commit_latency_p50_s"]) < p50 <= p90 < 3 * 60 / bpm, (key, r)
    # World-wide latencies slow the chain down against one data centre, as in the report.
    assert float(rows["le"]["blocks_per_min"]) < float(rows["no-le"]["blocks_per_min"])
    assert float(rows["le"]["commit_latency_p50_s"]) > float(rows["no-le"]["commit_latency_p50_s"])
