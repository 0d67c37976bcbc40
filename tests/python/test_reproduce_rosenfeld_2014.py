"""`peerlab reproduce rosenfeld-2014 --quick`: exits 0 and writes the expected comparisons."""
import json

import peerlab.reproduce
from peerlab.reproduce import rosenfeld_2014


def test_reproduce_rosenfeld_2014_quick(tmp_path):
    rc = peerlab.reproduce.main(["rosenfeld-2014", "--quick", "--out", str(tmp_path), "--workers", "1",
                                 "--quiet"])
    assert rc == 0
    out = tmp_path / "rosenfeld-2014"
    for f in ("figure.png", "figure.svg", "table.csv", "comparison.json"):
        assert (out / f).exists(), f
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["entry"] == "rosenfeld-2014" and doc["mode"] == "quick" and doc["passed"]
    comparisons = doc["comparisons"]
    points = rosenfeld_2014.QUICK["points"]
    assert len(comparisons) == 2 * len(points) + 1
    rosenfeld = [c for c in comparisons if c["quantity"].startswith("success probability r")]
    # Rosenfeld's closed form: q = 0.2, n = 1: 0.4; n = 2: 0.208; q = 0.4, n = 2: 0.704.
    assert [round(c["published"], 6) for c in rosenfeld] == [0.4, 0.208, 0.704]
    missing = [c for c in comparisons if c["published"] is None]
    assert len(missing) == 1 and missing[0]["missing"] and missing[0]["passed"]
