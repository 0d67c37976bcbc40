"""The sapirshtein-2016 gallery entry in quick mode: the optimal-selfish pool's revenue at
gamma 0 beside the paper's Table 1 values (as issue 21 gives them), every comparison passing."""
import json

import pytest

from peerlab import reproduce

PUBLISHED = [0.33705, 0.37077, 0.42600, 0.48863]


def test_sapirshtein_2016_quick(tmp_path):
    rc = reproduce.main(["sapirshtein-2016", "--quick", "--out", str(tmp_path), "--workers", "1",
                         "--quiet"])
    assert rc == 0
    out = tmp_path / "sapirshtein-2016"
    for name in ("figure.png", "figure.svg", "table.csv", "comparison.json"):
        assert (out / name).exists(), name
    doc = json.loads((out / "comparison.json").read_text())
    comparisons = doc["comparisons"]
    assert len(comparisons) == 5
    assert [c["published"] for c in comparisons] == pytest.approx(PUBLISHED + [0.0])
    assert comparisons[4]["quantity"].startswith("mean difference")
    assert all(c["passed"] for c in comparisons), [c["quantity"] for c in comparisons
                                                   if not c["passed"]]
    assert all("Table 1" in c["source"] for c in comparisons)
    joint = comparisons[4]
    assert joint["peerlab"] == pytest.approx(
        sum(c["peerlab"] - c["published"] for c in comparisons[:4]) / 4)
    # The compared runs meet the MDP's instant override (docs/gallery.md, sapirshtein-2016):
    # 1 kB blocks; the 1 MB series is full mode only and never compared.
    table = (out / "table.csv").read_text().splitlines()
    header = table[0].split(",")
    assert all(row.split(",")[header.index("block_size")] == "1 kB" for row in table[1:])
    assert all("1 kB blocks" in c["note"] for c in comparisons[:4])
