"""`peerlab reproduce nakamoto-2008 --quick`: exits 0 and writes the expected comparisons."""
import json

import peerlab.reproduce
from peerlab.reproduce import nakamoto_2008


def test_reproduce_nakamoto_2008_quick(tmp_path):
    rc = peerlab.reproduce.main(["nakamoto-2008", "--quick", "--out", str(tmp_path), "--workers", "1",
                                 "--quiet"])
    assert rc == 0
    out = tmp_path / "nakamoto-2008"
    for f in ("figure.png", "figure.svg", "table.csv", "comparison.json"):
        assert (out / f).exists(), f
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["entry"] == "nakamoto-2008" and doc["mode"] == "quick" and doc["passed"]
    comparisons = doc["comparisons"]
    points = nakamoto_2008.QUICK["points"]
    printed = sum(len(t) for t in nakamoto_2008.PRINTED.values())
    # Per simulated point: the exact value of the simulated rules, and Nakamoto's printed
    # number; then all 22 printed numbers against the formula.
    assert len(comparisons) == 2 * len(points) + printed == 28
    published = [c["published"] for c in comparisons]
    assert 0.2045873 in published and 0.1773523 in published and 0.0000006 in published
    assert all(c["passed"] for c in comparisons)
