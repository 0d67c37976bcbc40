"""peerlab.plots: every standard figure is written from real results, carries the theory curve
it promises, and rejects tables it cannot plot with a clear message."""
import json
import os

import numpy as np
import pandas as pd
import pytest

import _peerlab
import peerlab
import peerlab.plots as plots

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _nonempty_image(path):
    assert os.path.getsize(path) > 5000, path
    with open(path, "rb") as f:
        head = f.read(8)
    if str(path).endswith(".png"):
        assert head == b"\x89PNG\r\n\x1a\n"
    else:
        assert b"<svg" in open(path, "rb").read(4096) or head.startswith(b"<?xml")


@pytest.fixture(scope="module")
def partition_run():
    s = peerlab.load(os.path.join(ROOT, "scenarios", "partition.yaml")).with_(
        {"network.nodes": 150})
    return peerlab.run(s)


def test_propagation_cdf_from_results(tmp_path, small):
    a = peerlab.run(small, seed=1)
    b = peerlab.run(small.with_({"protocol.relay": "legacy"}), seed=1)
    fig = plots.propagation_cdf({"compact": a, "legacy": b}, tmp_path / "prop.png")
    _nonempty_image(tmp_path / "prop.png")
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2 * 3  # two runs x three reach shares
    # Each curve is a CDF: nondecreasing and ending at 1.
    for line in lines:
        y = np.asarray(line.get_ydata())
        assert np.all(np.diff(y) >= 0) and y[-1] == pytest.approx(1.0)


def test_selfish_revenue_draws_eyal_sirer_for_each_gamma(tmp_path):
    sweep = pd.DataFrame({
        "groups.attacker.hashrate": [0.2, 0.2, 0.3, 0.3] * 2,
        "groups.attacker.strategy.gamma": [0.0] * 4 + [1.0] * 4,
        "groups.attacker.revenue_share": [0.15, 0.17, 0.26, 0.28, 0.22, 0.24, 0.37, 0.39],
        "status": ["ok"] * 8})
    fig = plots.selfish_revenue(sweep, tmp_path / "sm.svg")
    _nonempty_image(tmp_path / "sm.svg")
    curves = {line.get_label(): line for line in fig.axes[0].get_lines()}
    for gamma in (0.0, 1.0):
        line = curves[f"Eyal & Sirer, gamma = {gamma:g}"]
        x, y = line.get_xdata(), line.get_ydata()
        assert y[100] == pytest.approx(_peerlab.eyal_sirer_revenue(x[100], gamma), abs=1e-12)
    # The simulated points are the means per (gamma, alpha).
    containers = fig.axes[0].containers
    means = sorted(np.round(np.asarray(c.lines[0].get_ydata(), dtype=float), 6).tolist()
                   for c in containers)
    assert means == [[0.16, 0.27], [0.23, 0.38]]


def test_double_spend_and_stale_rate_from_a_sweep(tmp_path):
    sweep = pd.DataFrame({
        "groups.attacker.strategy.confirmations": [1, 2, 3, 1, 2, 3],
        "groups.attacker.hashrate": [0.1] * 3 + [0.3] * 3,
        "adversaries.attacker.success_rate": [0.2, 0.05, 0.02, 0.6, 0.4, 0.3],
        "blocks.stale_rate": [0.01, 0.02, 0.015, 0.03, 0.02, 0.01],
        "status": ["ok"] * 5 + ["failed"]})
    fig = plots.double_spend(sweep, tmp_path / "ds.png", max_deficit=6, premine=True)
    _nonempty_image(tmp_path / "ds.png")
    rosenfeld = [l for l in fig.axes[0].get_lines() if l.get_label() == "Rosenfeld, q = 0.1"][0]
    assert rosenfeld.get_ydata()[2] == pytest.approx(_peerlab.rosenfeld_double_spend(0.1, 2))
    plots.stale_rate(sweep, "groups.attacker.hashrate", tmp_path / "stale.png",
                     by="groups.attacker.strategy.confirmations")
    _nonempty_image(tmp_path / "stale.png")
    with pytest.raises(KeyError, match="not in the table"):
        plots.stale_rate(sweep, "network.nodes")


def test_censorship_delay_cdf_per_class(tmp_path):
    s = peerlab.load(os.path.join(ROOT, "scenarios", "censorship.yaml")).with_(
        {"network.nodes": 80, "stop.blocks": 12})
    r = peerlab.run(s)
    assert len(r.transactions) > 0 and set(r.transactions["class"]) == {"normal", "flagged"}
    fig = plots.censorship_delay_cdf(r, tmp_path / "cens.png")
    _nonempty_image(tmp_path / "cens.png")
    labels = {line.get_label() for line in fig.axes[0].get_lines()}
    assert labels == set(r.transactions["class"].unique())
    with pytest.raises(ValueError, match="no transactions"):
        plots.censorship_delay_cdf(r.transactions.iloc[0:0])


def test_partition_timeline_colours_blocks_by_side(tmp_path, partition_run):
    r = partition_run
    sides = r.blocks["partition_side"].dropna().unique()
    assert len(sides) == 2  # both sides mined during the partition
    p = r.summary["partitions"][0]
    during = r.blocks[(r.blocks["mined_at_s"] >= p["at_s"]) &
                      (r.blocks["mined_at_s"] < p["healed_at_s"])]
    assert during["partition_side"].notna().all()
    assert r.blocks.drop(during.index)["partition_side"].isna().all()
    fig = plots.partition_timeline(r, tmp_path / "part.png")
    _nonempty_image(tmp_path / "part.png")
    labels = [c.get_label() for c in fig.axes[0].collections]
    assert "side 0" in labels and "side 1" in labels
    with pytest.raises(TypeError, match="expected a Result or a DataFrame"):
        plots.partition_timeline(json.dumps(r.summary))
