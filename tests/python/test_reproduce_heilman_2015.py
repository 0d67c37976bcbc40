"""heilman-2015 in quick mode: runs through `peerlab reproduce` and passes its comparisons."""
import json

import peerlab.reproduce as reproduce


def test_heilman_2015_quick(tmp_path):
    assert reproduce.main(["heilman-2015", "--quick", "--out", str(tmp_path), "--workers", "1",
                           "--quiet"]) == 0
    doc = json.loads((tmp_path / "heilman-2015" / "comparison.json").read_text())
    assert doc["mode"] == "quick" and doc["passed"]
    comps = doc["comparisons"]
    # Without anchors (all off, and each of the four others alone): eclipse rate and outbound
    # share against r^10 and r; then the paper's two result sets, reported missing.
    assert len(comps) == 12
    assert sum(c["quantity"].startswith("eclipse success, countermeasures") for c in comps) == 5
    missing = [c for c in comps if c["published"] is None]
    assert len(missing) == 2 and all(c["missing"] for c in missing)
    assert all(c["passed"] for c in comps)
    for name in ("figure.png", "figure.svg", "table.csv"):
        assert (tmp_path / "heilman-2015" / name).stat().st_size > 0
