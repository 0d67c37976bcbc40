"""`peerlab reproduce nayak-2016 --quick`: exits 0 and writes the expected comparisons."""
import json

import peerlab.reproduce
from peerlab.reproduce import nayak_2016


def test_reproduce_nayak_2016_quick(tmp_path):
    rc = peerlab.reproduce.main(["nayak-2016", "--quick", "--out", str(tmp_path), "--workers", "1",
                                 "--quiet"])
    assert rc == 0
    out = tmp_path / "nayak-2016"
    for f in ("figure.png", "figure.svg", "table.csv", "comparison.json"):
        assert (out / f).exists(), f
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["entry"] == "nayak-2016" and doc["mode"] == "quick" and doc["passed"]
    comparisons = doc["comparisons"]
    q = nayak_2016.QUICK
    runs = len(q["alphas"]) * len(q["gammas"]) * len(nayak_2016.KINDS)
    # One per kind and grid point (against the policy value), three missing published gains.
    assert len(comparisons) == runs + 3
    assert sum(c["published"] is None for c in comparisons) == 3
    for c in comparisons:
        if c["published"] is not None:
            assert 0.2 < c["published"] < 0.7 and c["passed"]
