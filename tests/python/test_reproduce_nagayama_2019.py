"""nagayama-2019 in quick mode: the four effects are compared with Nagayama et al.'s figures.

The two Internet comparisons must pass. The two compact-block comparisons are expected to fail
(docs/gallery.md, nagayama-2019: SimBlock's bandwidth model makes full-block relay about three
times faster than TCP flows, so compact relay saves more here; ns-3 agrees with the flow model);
the exit status must say so (1), and flips to 0 only if every comparison passes.
"""
import json

from peerlab import reproduce


def test_nagayama_2019_quick(tmp_path):
    rc = reproduce.main(["nagayama-2019", "--quick", "--out", str(tmp_path), "--workers", "1",
                         "--quiet"])
    doc = json.loads((tmp_path / "nagayama-2019" / "comparison.json").read_text())
    comps = doc["comparisons"]
    assert [c["published"] for c in comps] == [-64.5, -63.7, -90.1, -87.6]
    assert rc == (0 if doc["passed"] else 1)
    internet = [c for c in comps if c["quantity"].startswith("Internet")]
    assert len(internet) == 2 and all(c["passed"] for c in internet)
    for c in comps:
        assert c["peerlab"] is not None and c["peerlab"] < 0  # both changes shorten propagation
        assert c["tolerance"] > 0 and "seeds" in c["derivation"]
    for f in ("figure.png", "figure.svg", "table.csv"):
        assert (tmp_path / "nagayama-2019" / f).stat().st_size > 0
