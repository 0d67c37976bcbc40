"""`peerlab testbed`: a scenario as real peerlabd processes on loopback (docs/testbed.md).

One 5-node run of about 18 s is shared by the contract tests. Waits are generous (a loaded
machine is slow); what is asserted after them does not depend on timing, except that
propagation must take longer than the configured one-way delay, which holds however slow the
machine is (bytes are held at least that long).
"""
import csv
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest

from conftest import BUILD

DELAY_MS = 100
VALIDATION_S = {"fixed": 0.025, "per_mb": 0.125}
SCENARIO = f"""version: 1
name: tb-small
seed: 3
stop: {{ time: 18 s }}
network:
  nodes: 5
  regions:
    names: [lab]
    node_share: [1]
    latency_ms: [[{DELAY_MS}]]
    upload_mbps: [1000]
    download_mbps: [1000]
  topology: {{ kind: random-regular, degree: 2 }}
protocol:
  block_interval: 1.5 s
  block_size: 1 kB
  relay: compact
  validation: {{ fixed: 25 ms, per_mb: 125 ms }}
groups:
  miners: {{ nodes: 2, hashrate: 1.0 }}
  relays: {{ nodes: rest, hashrate: 0 }}
outputs: [summary, blocks]
"""


def _write_scenario(tmp, text=SCENARIO, name="tb.yaml"):
    path = pathlib.Path(tmp) / name
    path.write_text(text)
    return str(path)


def _peerlabd_pids(marker):
    """Live (not zombie) peerlabd processes whose command line mentions `marker`."""
    pids = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().split(") ")[-1].split()[0]
        except OSError:
            continue
        if "peerlabd" in cmdline and marker in cmdline and state != "Z":
            pids.append(int(entry.name))
    return pids


def _wait_for_status(partial, nodes, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        files = [partial / "nodes" / f"node-{i}" / "status.json" for i in range(nodes)]
        if all(f.exists() for f in files):
            return [json.loads(f.read_text())["pid"] for f in files]
        time.sleep(0.2)
    raise AssertionError(f"daemons did not write status.json under {partial}")


@pytest.fixture(scope="module")
def run(peerlab_bin, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("testbed")
    out = tmp / "run"
    proc = subprocess.run([peerlab_bin, "testbed", _write_scenario(tmp), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out, json.loads(proc.stdout), proc.stderr


def test_summary_has_the_results_contract(run):
    out, summary, _ = run
    assert json.loads((out / "summary.json").read_text()) == summary
    for key in ["scenario", "seed", "backend", "nodes", "sim_time_s", "blocks", "propagation_s"]:
        assert key in summary
    assert set(summary["blocks"]) >= {"mined", "main_chain", "stale", "stale_rate", "main_tip_height"}
    assert set(summary["propagation_s"]) == {"p50", "p90", "p99"}
    assert summary["backend"] == "testbed"
    assert summary["nodes"] == 5
    assert summary["testbed"]["mode"] == "userspace-delay"
    assert summary["testbed"]["link_delay_ms"] == {"min": DELAY_MS, "max": DELAY_MS}
    assert summary["testbed"]["crashes"] == []
    assert 17 <= summary["sim_time_s"] < 40
    run_json = json.loads((out / "run.json").read_text())
    assert run_json["backend"] == "testbed" and run_json["testbed"]["mode"] == "userspace-delay"
    assert not pathlib.Path(str(out) + ".partial").exists()


def test_blocks_relay_to_every_node(run):
    out, summary, _ = run
    blocks = summary["blocks"]
    assert blocks["mined"] > 0
    assert blocks["main_tip_height"] > 0
    assert blocks["mined"] == blocks["main_chain"] + blocks["stale"]
    # Mining stops before the end so the last block can spread: every node ends on one tip.
    assert summary["testbed"]["nodes_at_main_tip"] == 5
    with open(out / "nodes.csv") as f:
        heights = {int(row["tip_height"]) for row in csv.DictReader(f)}
    assert heights == {blocks["main_tip_height"]}


def test_daemons_relay_and_validate_as_the_scenario_says(run):
    out, _, _ = run
    # protocol.relay: compact reaches every daemon (--relay): each announced compact block
    # support to its peers (sendcmpct, sent only in compact mode) and none relayed by inv.
    # protocol.validation reaches them too (--validation-fixed, --validation-per-mb).
    for i in range(5):
        status = json.loads((out / "nodes" / f"node-{i}" / "status.json").read_text())
        assert status["validation_s"] == VALIDATION_S, i
        messages = status["messages"]
        assert messages["sendcmpct"]["out"] >= 1, (i, messages)
        assert "inv" not in messages or messages["inv"]["out"] == 0, (i, messages)


def test_propagation_is_measured_and_delayed(run):
    out, summary, _ = run
    p50 = summary["propagation_s"]["p50"]
    assert p50 is not None
    # Half the nodes (3 of 5) means at least one hop (each message held DELAY_MS by its
    # sender) and the receiver's modelled validation: more than both, however fast the machine.
    least = DELAY_MS / 1000 + VALIDATION_S["fixed"]
    assert p50 > least
    with open(out / "blocks.csv") as f:
        for row in csv.DictReader(f):
            reach = [float(row[k]) for k in ("reach_50_s", "reach_90_s", "reach_100_s") if row[k]]
            assert reach == sorted(reach)
            assert not reach or reach[0] > least


def test_blocks_csv_has_the_simulators_columns(run, peerlab_bin, tmp_path):
    out, summary, _ = run
    sim_out = tmp_path / "sim"
    subprocess.run([peerlab_bin, "run", _write_scenario(tmp_path), "--out", str(sim_out),
                    "--quiet"], check=True, capture_output=True, timeout=60)
    testbed_header = (out / "blocks.csv").read_text().splitlines()[0]
    assert testbed_header == (sim_out / "blocks.csv").read_text().splitlines()[0]
    # nodes.csv extends the simulator's columns; edges.csv is the simulator's initial graph.
    sim_nodes = (sim_out / "nodes.csv").read_text().splitlines()[0]
    assert (out / "nodes.csv").read_text().splitlines()[0].startswith(sim_nodes + ",")
    # A fixed topology (random-regular) ends as it started in the simulator: same graph.
    def edges(path):
        return sorted((r["source"], r["target"]) for r in csv.DictReader(open(path)))
    assert edges(out / "edges.csv") == edges(sim_out / "edges.csv")
    assert len(edges(out / "edges.csv")) == 5  # 5 nodes of degree 2
    with open(out / "blocks.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == summary["blocks"]["mined"]
    assert sum(r["main_chain"] == "true" for r in rows) == summary["blocks"]["main_chain"]
    assert all(r["miner_group"] == "miners" for r in rows)


def test_link_delay_shows_in_the_ping_round_trip(tmp_path):
    exe = str(BUILD / "peerlabd")
    a = subprocess.Popen([exe, "--chain", "peerlab-sim", "--listen", "127.0.1.200:0", "--datadir",
                          str(tmp_path / "a"), "--quiet", "--ping-interval", "1",
                          "--link-delay", "127.0.1.201=50"])
    try:
        status_a = tmp_path / "a" / "status.json"
        deadline = time.time() + 20
        while not status_a.exists() and time.time() < deadline:
            time.sleep(0.1)
        listen = json.loads(status_a.read_text())["listen"]
        b = subprocess.Popen([exe, "--chain", "peerlab-sim", "--listen", "127.0.1.201:0",
                              "--source-ip", "127.0.1.201", "--datadir", str(tmp_path / "b"),
                              "--quiet", "--ping-interval", "1", "--connect", listen,
                              "--link-delay", "127.0.1.200=30"])
        try:
            ping = None
            deadline = time.time() + 20
            while ping is None and time.time() < deadline:
                time.sleep(0.3)
                peers = json.loads((tmp_path / "b" / "status.json").read_text())["peers"]
                ping = peers[0]["ping_ms"] if peers else None
            assert ping is not None
            # 50 ms one way (a holds its pongs) + 30 ms the other (b holds its pings).
            assert 80 <= ping < 80 + 500
        finally:
            b.send_signal(signal.SIGTERM)
            assert b.wait(timeout=20) == 0
    finally:
        a.send_signal(signal.SIGTERM)
        assert a.wait(timeout=20) == 0


@pytest.mark.parametrize("args,field,replace", [
    (["--set", "network.nodes=65"], "network.nodes", None),
    ([], "stop.time", ("stop: { time: 18 s }", "stop: { blocks: 5 }")),
    ([], "groups.miners.strategy", ("miners: { nodes: 2, hashrate: 1.0 }",
                                    "miners: { nodes: 2, hashrate: 1.0, strategy: { kind: selfish } }")),
    (["--link-mode", "netem"], "--link-mode", None),
    (["--duration", "soon"], "--duration", None),
])
def test_bad_input_is_one_line_exit_2(peerlab_bin, tmp_path, args, field, replace):
    out = tmp_path / "out"
    text = SCENARIO.replace(*replace) if replace else SCENARIO
    assert replace is None or text != SCENARIO
    proc = subprocess.run([peerlab_bin, "testbed", _write_scenario(tmp_path, text), "--out",
                           str(out)] + args, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert field in proc.stderr
    assert not out.exists() and not pathlib.Path(str(out) + ".partial").exists()


def test_missing_file_is_one_line_exit_2(peerlab_bin, tmp_path):
    proc = subprocess.run([peerlab_bin, "testbed", str(tmp_path / "nope.yaml")],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "nope.yaml" in proc.stderr


def _start_long_run(peerlab_bin, tmp_path):
    out = tmp_path / "long"
    proc = subprocess.Popen([peerlab_bin, "testbed", _write_scenario(tmp_path), "--out", str(out),
                             "--duration", "120s", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pids = _wait_for_status(pathlib.Path(str(out) + ".partial"), 5)
    return out, proc, pids


def test_sigint_stops_every_daemon(peerlab_bin, tmp_path):
    out, proc, pids = _start_long_run(peerlab_bin, tmp_path)
    assert sorted(_peerlabd_pids(str(out))) == sorted(pids)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert _peerlabd_pids(str(out)) == []
    # What was collected is still written, and says it was interrupted.
    summary = json.loads((out / "summary.json").read_text())
    assert summary["testbed"]["interrupted"] is True
    assert json.loads(stdout) == summary


def test_a_crashed_daemon_is_reported(peerlab_bin, tmp_path):
    out, proc, pids = _start_long_run(peerlab_bin, tmp_path)
    os.kill(pids[2], signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "node 2 (pid" in stderr and "killed by Killed" in stderr
    assert _peerlabd_pids(str(out)) == []
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["testbed"]["crashes"]) == 1
    assert summary["testbed"]["crashes"][0].startswith("node 2 ")
