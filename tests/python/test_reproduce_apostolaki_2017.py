"""apostolaki-2017 in quick mode: runs through `peerlab reproduce` and passes its comparisons."""
import json

import peerlab.reproduce as reproduce


def test_apostolaki_2017_quick(tmp_path):
    assert reproduce.main(["apostolaki-2017", "--quick", "--out", str(tmp_path), "--workers",
                           "1", "--quiet"]) == 0
    doc = json.loads((tmp_path / "apostolaki-2017" / "comparison.json").read_text())
    assert doc["mode"] == "quick" and doc["passed"]
    comps = doc["comparisons"]
    # 13 ASes host 30 %; per k in (1, 3, 13, 30): nodes, hashrate, orphaned blocks; the
    # prefix claim reported missing.
    assert len(comps) == 1 + 4 * 3 + 1
    first = comps[0]
    assert first["quantity"] == "share of nodes in the 13 largest ASes"
    assert first["published"] == 0.30
    assert comps[-1]["published"] is None and comps[-1]["missing"]
    assert all(c["passed"] for c in comps)
    assert (tmp_path / "apostolaki-2017" / "figure.png").stat().st_size > 0
