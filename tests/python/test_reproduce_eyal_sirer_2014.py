"""`peerlab reproduce eyal-sirer-2014 --quick`: runs, passes, and compares what the paper gives:
the closed form at every (alpha, rushing share) point and the three thresholds 1/3, 1/4, 0."""
import json

from peerlab.reproduce import main


def test_quick_run_passes_and_compares_the_published_numbers(tmp_path):
    assert main(["eyal-sirer-2014", "--quick", "--out", str(tmp_path), "--quiet",
                 "--workers", "2"]) == 0
    doc = json.loads((tmp_path / "eyal-sirer-2014" / "comparison.json").read_text())
    assert doc["passed"] and doc["mode"] == "quick"
    revenue = [c for c in doc["comparisons"] if c["quantity"].startswith("revenue share")]
    thresholds = [c for c in doc["comparisons"] if c["quantity"].startswith("profitability")]
    assert len(revenue) == 9  # 3 alphas x 3 rushing shares
    assert [round(c["published"], 6) for c in thresholds] == [round(1 / 3, 6), 0.25, 0.0]
    for c in revenue:
        assert 0 < c["peerlab"] < 1 and c["tolerance"] > 0 and "SE" in c["derivation"]
    for f in ("figure.png", "figure.svg", "table.csv", "runs.sqlite"):
        assert (tmp_path / "eyal-sirer-2014" / f).stat().st_size > 0
    # A second invocation resumes from the store: nothing is run again, same numbers.
    assert main(["eyal-sirer-2014", "--quick", "--out", str(tmp_path), "--quiet"]) == 0
    again = json.loads((tmp_path / "eyal-sirer-2014" / "comparison.json").read_text())
    assert [c["peerlab"] for c in again["comparisons"]] == [c["peerlab"] for c in doc["comparisons"]]
