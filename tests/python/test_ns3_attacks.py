"""Attacks run on the ns-3 backend as on the fast engine: the strategy lives in the node and
the engine, so a selfish miner over ns-3 TCP must still withhold, race and orphan blocks."""
import json
import subprocess


def test_selfish_mining_over_ns3(peerlab_bin, root, tmp_path):
    out = tmp_path / "run"
    res = subprocess.run(
        [peerlab_bin, "run", str(root / "scenarios" / "selfish-mining.yaml"), "--quiet",
         "--set", "network.backend=ns3", "--set", "network.nodes=40",
         "--set", "stop.blocks=15", "--out", str(out)],
        capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr  # this build must have ns-3 (CI installs it)
    summary = json.loads(res.stdout)
    assert summary["backend"] == "ns3"
    attacker = summary["adversaries"]["attacker"]
    assert attacker["kind"] == "selfish-mining"
    assert attacker["blocks_withheld"] > 0
    assert attacker["blocks_orphaned"] > 0  # honest blocks it overrode or won races against
    assert summary["blocks"]["mined"] == 15
    assert json.loads((out / "run.json").read_text())["backend"] == "ns3"


def test_ns3_run_reports_its_packet_events(peerlab_bin, root, tmp_path):
    # Without --quiet the last stderr line says how much ns-3 work the run took, which is
    # what a researcher sizing a packet-level run needs (engine events are only messages).
    out = tmp_path / "run"
    res = subprocess.run(
        [peerlab_bin, "run", str(root / "bench" / "ns3_block.yaml"), "--out", str(out)],
        capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    packets = json.loads((out / "run.json").read_text())["perf"]["ns3_events"]
    assert packets > 0
    last = res.stderr.strip().splitlines()[-1]
    assert f"and {packets} ns-3 events" in last, last
