"""`peerlab reproduce`: the command line (the C++ CLI forwards to `python3 -m peerlab reproduce`),
the entry list, bad input, and the comparison rules every entry relies on. The entries
themselves are run by their own tests (test_reproduce_<entry>.py)."""
import json
import math
import subprocess

from peerlab.reproduce import core, entries, main

# The names issue 21 gives (contracts): every one must be listed.
CONTRACT_NAMES = ["eyal-sirer-2014", "sapirshtein-2016", "nayak-2016", "nakamoto-2008",
                  "rosenfeld-2014", "gervais-2016", "decker-wattenhofer-2013", "nagayama-2019",
                  "heilman-2015", "apostolaki-2017"]


def test_list_through_the_cli_names_entries_with_citations(peerlab_bin):
    out = subprocess.run([peerlab_bin, "reproduce", "--list"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    known = entries()
    for name, entry in known.items():
        assert name in out.stdout
        assert entry.citation in out.stdout
    assert "eyal-sirer-2014" in known


def test_help_and_bad_input_exit_2_with_one_line(peerlab_bin, capsys, tmp_path):
    out = subprocess.run([peerlab_bin, "reproduce", "--help"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and "peerlab reproduce NAME" in out.stdout
    assert main(["no-such-entry"]) == 2
    err = capsys.readouterr().err
    assert "unknown entry `no-such-entry`" in err and len(err.strip().splitlines()) == 1
    assert main([]) == 2
    assert main(["eyal-sirer-2014", "--workers", "0"]) == 2
    assert main(["eyal-sirer-2014", "--workers", "2", "--dask", "tcp://127.0.0.1:1"]) == 2
    assert main(["eyal-sirer-2014", "--bogus"]) == 2
    capsys.readouterr()
    # An --out that cannot hold the entry's directory (a file in its way): one line, nothing run.
    blocker = tmp_path / "a-file"
    blocker.write_text("mine")
    assert main(["eyal-sirer-2014", "--quick", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "cannot create" in err and len(err.strip().splitlines()) == 1
    assert blocker.read_text() == "mine"


def test_comparison_passes_only_within_its_tolerance():
    c = core.Comparison("x", published=1.0, source="s", peerlab=1.25, tolerance=0.25,
                        derivation="d")
    assert c.passed
    c.peerlab = 0.75
    assert c.passed
    c.peerlab = 1.2501
    assert not c.passed
    c.peerlab = float("nan")
    assert not c.passed
    # A published number nobody can cite is reported with why, never failed; without a reason
    # it is an entry's mistake and fails.
    assert core.Comparison("x", None, "s", 1.0, 0.0, "d", missing="no table gives it").passed
    assert not core.Comparison("x", None, "s", 1.0, 0.0, "d").passed


def test_standard_errors():
    assert math.isclose(core.binomial_se(0.5, 100), 0.05)
    assert core.binomial_se(0.0, 99) > 0  # an estimate of 0 still has a width
    assert math.isclose(core.mean_se([1.0, 3.0]), 1.0)
    assert core.mean_se([1.0]) == math.inf
    tol, how = core.tolerance(0.01, 0.02, "a reason")
    assert math.isclose(tol, 3 * 0.01 + 0.02) and "a reason" in how


def test_every_contract_name_is_registered():
    assert [n for n in CONTRACT_NAMES if n not in entries()] == []


def test_outputs_are_written_and_json_is_strict(tmp_path):
    import pandas as pd
    from matplotlib.figure import Figure

    def run(ctx):
        fig = Figure()
        fig.add_subplot().plot([0, 1], [0, 1])
        return core.Outcome(pd.DataFrame({"a": [1]}), [
            core.Comparison("q", 1.0, "src", float("inf"), 0.1, "d")], fig)

    entry = core.Entry("t", "title", "cite", run)
    doc = core.run_entry(entry, str(tmp_path), quick=True, progress=False)
    d = tmp_path / "t"
    for f in ("figure.png", "figure.svg", "table.csv", "comparison.json"):
        assert (d / f).stat().st_size > 0
    stored = json.loads((d / "comparison.json").read_text())
    assert stored["passed"] is False and doc["passed"] is False
    assert stored["comparisons"][0]["peerlab"] is None  # inf is not JSON: reported as none
    assert stored["mode"] == "quick"
