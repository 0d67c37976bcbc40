"""miller-2013 in quick mode: runs through `peerlab reproduce` and passes its comparisons."""
import json

import pytest

import peerlab.reproduce as reproduce


def test_miller_2013_quick(tmp_path):
    assert reproduce.main(["miller-2013", "--quick", "--out", str(tmp_path), "--workers", "1",
                           "--quiet"]) == 0
    doc = json.loads((tmp_path / "miller-2013" / "comparison.json").read_text())
    assert doc["mode"] == "quick" and doc["passed"]
    comps = doc["comparisons"]
    # q in (0.2, 0.4): exclude delay, feather-fork delay, feather-fork orphan share.
    assert len(comps) == 6
    by = {c["quantity"]: c for c in comps}
    assert by["inclusion delay of a censored transaction, exclude, q=0.4"]["published"] == \
        pytest.approx(1 / 0.6)
    assert by["inclusion delay of a censored transaction, feather-fork, q=0.4"]["published"] == \
        pytest.approx((1 + 0.6 * 0.16) / (0.6 * 0.84))
    assert by["share of offending blocks orphaned, feather fork depth 1, q=0.2"]["published"] == \
        pytest.approx(0.04)
    assert by["share of offending blocks orphaned, feather fork depth 1, q=0.4"]["published"] == \
        pytest.approx(0.16)
    assert all(c["passed"] for c in comps)
