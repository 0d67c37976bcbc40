"""`peerlab theory`: attack theory as JSON from the shell, and one-line errors (exit status 2)."""
import json
import subprocess

import pytest


def run(peerlab_bin, *args):
    return subprocess.run([peerlab_bin, "theory", *args], capture_output=True, text=True,
                          timeout=120)


def test_selfish_mining_prints_closed_form_and_markov_chain(peerlab_bin):
    res = run(peerlab_bin, "selfish-mining", "--alpha", "0.35", "--gamma", "0.5")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    out = json.loads(res.stdout)
    assert set(out) == {"alpha", "gamma", "closed_form", "markov_chain"}
    assert out["alpha"] == 0.35 and out["gamma"] == 0.5
    # Eyal & Sirer's formula at alpha 0.35, gamma 0.5, worked by hand: 0.416034...
    assert out["closed_form"] == pytest.approx(0.4160340497, abs=1e-9)
    assert out["markov_chain"] == pytest.approx(out["closed_form"], abs=1e-9)


def test_selfish_mining_optimal_reproduces_the_published_value(peerlab_bin):
    # Sapirshtein, Sompolinsky & Zohar (FC 2016), Table 1: alpha 0.35, gamma 0 -> 0.37077.
    res = run(peerlab_bin, "selfish-mining", "--alpha=0.35", "--gamma=0", "--optimal")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert set(out) == {"alpha", "gamma", "closed_form", "markov_chain", "optimal",
                        "max_fork_length"}
    assert out["max_fork_length"] == 94
    assert 0.37077 <= out["optimal"] < 0.37078
    assert out["optimal"] >= out["closed_form"] >= 0.35


def test_selfish_mining_optimal_takes_a_truncation(peerlab_bin):
    short = json.loads(run(peerlab_bin, "selfish-mining", "--alpha", "0.4", "--gamma", "0",
                           "--optimal", "--max-fork-length", "10").stdout)
    longer = json.loads(run(peerlab_bin, "selfish-mining", "--alpha", "0.4", "--gamma", "0",
                            "--optimal", "--max-fork-length", "20").stdout)
    assert short["optimal"] <= longer["optimal"]


def test_double_spend_matches_the_whitepaper_and_rosenfeld(peerlab_bin):
    res = run(peerlab_bin, "double-spend", "--q", "0.1", "--z", "5")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert set(out) == {"q", "z", "nakamoto", "rosenfeld"}
    assert out["q"] == 0.1 and out["z"] == 5
    assert out["nakamoto"] == pytest.approx(0.0009137, abs=5e-8)  # the whitepaper's table
    assert out["rosenfeld"] > out["nakamoto"]


@pytest.mark.parametrize("args, message", [
    ([], "missing subcommand"),
    (["mempool"], "mempool: unknown subcommand"),
    (["selfish-mining", "--gamma", "0"], "--alpha: required"),
    (["selfish-mining", "--alpha", "0.3"], "--gamma: required"),
    (["selfish-mining", "--alpha", "0.5", "--gamma", "0"], "--alpha: must be in [0, 0.5)"),
    (["selfish-mining", "--alpha", "-0.1", "--gamma", "0"], "--alpha: must be in"),
    (["selfish-mining", "--alpha", "abc", "--gamma", "0"], "--alpha: expected a number"),
    (["selfish-mining", "--alpha", "0.3x", "--gamma", "0"], "--alpha: expected a number"),
    (["selfish-mining", "--alpha", "0.3", "--gamma", "1.5"], "--gamma: must be in [0, 1]"),
    (["selfish-mining", "--alpha", "0.3", "--gamma", "0", "--beta", "1"],
     "--beta: unknown option"),
    (["selfish-mining", "--alpha", "0.3", "--gamma"], "--gamma: needs a value"),
    (["selfish-mining", "--alpha", "0.3", "--gamma", "0", "--max-fork-length", "20"],
     "--max-fork-length requires --optimal"),
    (["selfish-mining", "--alpha", "0.3", "--gamma", "0", "--optimal",
      "--max-fork-length", "1"], "--max-fork-length: expected an integer from 2 to 200"),
    (["double-spend", "--q", "0.1"], "--z: required"),
    (["double-spend", "--q", "1.1", "--z", "3"], "--q: must be in [0, 1]"),
    (["double-spend", "--q", "0.1", "--z", "-1"], "--z: expected an integer from 0"),
    (["double-spend", "--q", "0.1", "--z", "2.5"], "--z: expected an integer"),
    (["double-spend", "--q", "0.1", "--z", "3", "extra"], "extra: unexpected argument"),
    (["double-spend", "--q", "0.1", "--optimal", "--z", "3"], "--optimal: unknown option"),
])
def test_bad_arguments_give_one_line_and_status_2(peerlab_bin, args, message):
    res = run(peerlab_bin, *args)
    assert res.returncode == 2
    assert res.stdout == ""
    assert message in res.stderr
    assert res.stderr.count("\n") == 1


@pytest.mark.parametrize("args, listed", [
    (["--help"], ["selfish-mining", "double-spend", "tendermint"]),
    (["selfish-mining", "--help"], ["--alpha", "--gamma", "--optimal", "--max-fork-length",
                                    "closed_form", "markov_chain"]),
    (["double-spend", "-h"], ["--q", "--z", "nakamoto", "rosenfeld"]),
    (["tendermint", "-h"], ["--validators", "--byzantine", "rounds_per_height"]),
])
def test_help_documents_each_subcommand(peerlab_bin, args, listed):
    res = run(peerlab_bin, *args)
    assert res.returncode == 0
    for word in listed:
        assert word in res.stdout, word


def test_main_help_lists_theory(peerlab_bin):
    res = subprocess.run([peerlab_bin, "--help"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0
    assert "\n  peerlab theory " in res.stdout


def test_tendermint_expected_rounds_and_censorship_delay(peerlab_bin):
    # 10 equal validators, 3 silent: 1 + sum_j C(10-j, 3-j) / C(10, 3) = 1 + (36 + 8 + 1) / 120
    # = 1.375 rounds per height (docs/tendermint.md, "Theory"), worked by hand.
    out = json.loads(run(peerlab_bin, "tendermint", "--validators", "10", "--byzantine", "3").stdout)
    assert out["rounds_per_height"] == pytest.approx(1.375, abs=1e-12)
    assert out["censored_extra_heights"] == pytest.approx(0.375, abs=1e-12)
    assert out["commits_stop"] is False
    assert json.loads(run(peerlab_bin, "tendermint", "--validators=9",
                          "--byzantine=4").stdout)["commits_stop"] is True
    bad = run(peerlab_bin, "tendermint", "--validators", "10", "--byzantine", "10")
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("peerlab theory tendermint: --byzantine: must be between 0 and 9, "
                                  "got 10 (see peerlab theory tendermint --help)")
