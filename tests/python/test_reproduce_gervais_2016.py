"""gervais-2016 in quick mode: per chain, the median propagation (published value missing) and
the stale rate against the fork probability 1 - exp(-p50 / T); all comparisons pass."""
import json

from peerlab import reproduce


def test_gervais_2016_quick(tmp_path):
    rc = reproduce.main(["gervais-2016", "--quick", "--out", str(tmp_path), "--workers", "1",
                         "--quiet"])
    doc = json.loads((tmp_path / "gervais-2016" / "comparison.json").read_text())
    comps = doc["comparisons"]
    assert len(comps) == 8
    medians, stale = comps[0::2], comps[1::2]
    assert all(c["published"] is None and c["missing"] for c in medians)
    assert all(c["published"] is not None and 0 < c["published"] < 0.2 for c in stale)
    assert [c["quantity"].split(":")[0] for c in stale] == [
        "Bitcoin", "Litecoin", "Dogecoin", "Ethereum-like"]
    assert rc == 0 and doc["passed"]
