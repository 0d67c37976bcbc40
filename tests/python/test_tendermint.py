"""The Tendermint family through the Python API: a run's summary has the `consensus` section,
and a sweep flattens it into columns, as for Bitcoin runs (docs/tendermint.md, "Results")."""
import peerlab

from conftest import ROOT


def small(**overrides):
    base = {"stop.heights": 3, "network.nodes": 60, "groups.validators.nodes": 12,
            "network.topology.outbound": 6}
    base.update(overrides)
    return peerlab.load(str(ROOT / "scenarios" / "tendermint.yaml")).with_(base)


def test_run_gives_the_consensus_summary():
    result = peerlab.run(small())
    c = result.summary["consensus"]
    assert result.summary["protocol"] == "tendermint"
    assert c["validators"] == 12
    assert c["heights_committed"] == 3
    assert c["safety_violation"] is None
    assert 0 < c["commit_latency_s"]["p50"] <= c["commit_latency_s"]["p99"]
    assert c["rounds_per_height"]["max"] >= 1


def test_sweep_flattens_consensus_into_columns(tmp_path):
    df = peerlab.sweep(small(), [{"groups.validators.nodes": 6}, {"groups.validators.nodes": 12}],
                       seeds=2, workers=1, progress=False, store=str(tmp_path / "sweep.sqlite"))
    assert len(df) == 4
    assert (df["status"] == "ok").all()
    assert (df["consensus.heights_committed"] == 3).all()
    assert set(df["consensus.validators"]) == {6, 12}
    assert df["consensus.commit_latency_s.p50"].notna().all()


def test_censoring_share_sweeps_into_per_class_inclusion_columns(tmp_path):
    """Sweeping the censors' share of the power: the censored class's inclusion delay (in
    heights) grows with it, and is never shorter than the other class's."""
    base = peerlab.load(str(ROOT / "scenarios" / "tendermint-censor.yaml")).with_(
        {"stop.heights": 25, "network.nodes": 40, "network.topology.outbound": 6,
         "groups.honest.nodes": 16, "groups.censors.nodes": 4})
    points = [{"groups.honest.nodes": 16, "groups.honest.voting_power": 0.8,
               "groups.censors.nodes": 4, "groups.censors.voting_power": 0.2},
              {"groups.honest.nodes": 8, "groups.honest.voting_power": 0.4,
               "groups.censors.nodes": 12, "groups.censors.voting_power": 0.6}]
    df = peerlab.sweep(base, points, seeds=1, workers=1, progress=False,
                       store=str(tmp_path / "sweep.sqlite"))
    assert (df["status"] == "ok").all()
    target = "transactions.classes.target.inclusion_delay_heights.mean"
    other = "transactions.classes.other.inclusion_delay_heights.mean"
    assert df[target].notna().all() and df[other].notna().all()
    assert (df[target] >= df[other]).all()
    low, high = df.sort_values("groups.censors.voting_power")[target].tolist()
    assert high > low
