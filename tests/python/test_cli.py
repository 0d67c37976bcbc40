"""The `peerlab` command as a user meets it: outputs, determinism, and one-line errors."""
import csv
import hashlib
import json
import os
import subprocess

import pytest

from conftest import heap_gets_huge_pages_by_default, thp_mode

SUMMARY_KEYS = {"scenario", "seed", "backend", "nodes", "sim_time_s", "blocks", "transactions",
                "peers",
                "propagation_s", "reorgs", "groups", "chain_quality", "adversaries",
                "partitions", "churn"}

# adversaries.<group> keys per strategy kind (docs/attacks.md): scripts rely on them.
ADVERSARY_KEYS = {
    "selfish-mining.yaml": {"kind", "hashrate", "revenue_share", "observed_gamma",
                            "blocks_orphaned", "own_blocks_orphaned", "blocks_withheld", "races",
                            "race_blocks_on_attacker", "race_blocks_on_rival", "overrides",
                            "rushing_links", "rushing_honest_share"},
    "double-spend.yaml": {"kind", "hashrate", "revenue_share", "attempts", "published",
                          "successes", "success_rate", "blocks_orphaned", "own_blocks_orphaned",
                          "blocks_withheld", "rushing_links", "rushing_honest_share"},
    "censorship.yaml": {"kind", "hashrate", "revenue_share", "censored_txs",
                        "censored_tx_delay_blocks", "censored_tx_delay_s",
                        "never_included_share", "fork_blocks", "blocks_orphaned",
                        "own_blocks_orphaned"},
}

SMALL = """version: 1
name: small
seed: 3
stop: {blocks: 12}
network: {nodes: 120, regions: bitcoin, topology: {kind: bitcoin, outbound: 8}}
protocol: {block_interval: 600 s, block_size: 1 MB, relay: headers}
groups:
  pools: {nodes: 5, hashrate: 1.0}
  relays: {nodes: rest, hashrate: 0}
"""


def run(peerlab_bin, *args, cwd=None):
    return subprocess.run([peerlab_bin, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_run_writes_run_directory_and_prints_summary(peerlab_bin, tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL)
    out = tmp_path / "run"
    res = run(peerlab_bin, "run", str(scenario), "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    summary = json.loads(res.stdout)
    assert set(summary) == SUMMARY_KEYS
    assert summary["nodes"] == 120 and summary["seed"] == 3 and summary["backend"] == "fast"
    assert summary["blocks"]["mined"] == 12
    assert summary["blocks"]["main_chain"] + summary["blocks"]["stale"] == 12
    assert set(summary["propagation_s"]) == {"p50", "p90", "p99"}
    assert 0 < summary["propagation_s"]["p50"] <= summary["propagation_s"]["p90"]
    assert summary["groups"]["pools"]["revenue_share"] == 1.0
    assert summary["groups"]["relays"]["blocks_main"] == 0
    peers = summary["peers"]
    assert set(peers) == {"disconnects", "punishments", "evictions", "connection_attempts",
                          "failed_connections", "feelers"}
    assert peers["punishments"] == 0  # honest nodes only
    # Feelers (every 2 min per node by default) are the only connections opened and closed.
    assert peers["feelers"] > 0
    assert peers["connection_attempts"] == peers["feelers"]
    assert peers["disconnects"] <= peers["connection_attempts"]
    assert json.loads((out / "summary.json").read_text()) == summary
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["scenario_sha256"] == hashlib.sha256(SMALL.encode()).hexdigest()
    assert manifest["perf"]["events"] > 0
    assert manifest["resolved_scenario"]["network"]["nodes"] == 120
    rows = list(csv.DictReader((out / "blocks.csv").open()))
    assert len(rows) == 12
    assert {"id", "height", "parent", "miner_group", "mined_at_s", "main_chain", "reach_50_s",
            "reach_90_s", "reach_100_s"} <= set(rows[0])
    assert all(len(r["id"]) == 64 for r in rows)
    main = [r for r in rows if r["main_chain"] == "true"]
    assert len(main) == summary["blocks"]["main_chain"]
    # Main-chain blocks reach every node, later than half of them.
    assert all(float(r["reach_100_s"]) >= float(r["reach_50_s"]) for r in main)


def test_same_seed_gives_byte_identical_data_files(peerlab_bin, tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL)
    outs = [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    for out, seed in zip(outs, ["5", "5", "6"]):
        res = run(peerlab_bin, "run", str(scenario), "--seed", seed, "--out", str(out), "--quiet")
        assert res.returncode == 0, res.stderr
    for name in ["summary.json", "blocks.csv", "edges.csv", "nodes.csv"]:
        assert digest(outs[0] / name) == digest(outs[1] / name)
        assert digest(outs[0] / name) != digest(outs[2] / name)


def test_huge_pages_are_recorded_and_change_no_result(peerlab_bin, tmp_path):
    # `peerlab run` re-executes itself so that malloc gets huge pages; a user can opt out with
    # glibc.malloc.hugetlb=0. Memory layout must not leak into results.
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL)
    env_off = dict(os.environ, GLIBC_TUNABLES="glibc.malloc.hugetlb=0")
    env_default = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    outs = {}
    for name, env in (("default", env_default), ("off", env_off)):
        outs[name] = tmp_path / name
        res = subprocess.run([peerlab_bin, "run", str(scenario), "--out", str(outs[name]),
                              "--quiet"], capture_output=True, text=True, env=env, timeout=300)
        assert res.returncode == 0, res.stderr
    perf = {name: json.loads((out / "run.json").read_text())["perf"]
            for name, out in outs.items()}
    assert perf["off"]["huge_pages"] is (thp_mode() == "always")
    assert perf["default"]["huge_pages"] is heap_gets_huge_pages_by_default()
    for name in ["summary.json", "blocks.csv", "edges.csv", "nodes.csv"]:
        assert digest(outs["default"] / name) == digest(outs["off"] / name)


def test_overrides_change_the_run(peerlab_bin, tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL)
    res = run(peerlab_bin, "run", str(scenario), "--quiet", "--out", str(tmp_path / "o"),
              "--set", "network.nodes=60", "--set", "stop.blocks=4")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["nodes"] == 60 and summary["blocks"]["mined"] == 4
    manifest = json.loads((tmp_path / "o" / "run.json").read_text())
    assert manifest["overrides"] == ["network.nodes=60", "stop.blocks=4"]


@pytest.mark.parametrize("mutate,flags,expected", [
    (lambda s: s, ["--set", "network.nodez=3"], "--set network.nodez=3: network.nodez: unknown key"),
    (lambda s: s.replace("nodes: 120", "nodez: 120"), [], ":5:11: network.nodez: unknown key"),
    (lambda s: s.replace("600 s", "600 parsecs"), [], ":6:28: protocol.block_interval:"),
    (lambda s: s.replace("hashrate: 1.0", "hashrate: -0.5"), [], "groups.pools.hashrate:"),
    (lambda s: s.replace("hashrate: 1.0", "hashrate: 150 %"), [], "groups.pools.hashrate:"),
    (lambda s: s.replace("stop: {blocks: 12}", "stop: {blocks: 12"), [], ": yaml:"),
    (lambda s: s, ["--seed", "x"], "--seed: expected an integer from 0 to"),
    (lambda s: s, ["--threads", "abc"], "--threads: expected 1 to 62 or `auto`, got `abc`"),
    (lambda s: s, ["--threads", "0"], "--threads: expected 1 to 62 or `auto`, got `0`"),
    (lambda s: s, ["--threads", "63"], "--threads: expected 1 to 62 or `auto`, got `63`"),
    (lambda s: s, ["--set", "engine.threads=63"], "engine.threads: must be at most 62, got `63`"),
    (lambda s: s + "events: [{at: 1 h, kind: partition, sides: [[region: mars], [rest]]}]\n", [],
     ":10:54: events[0].sides[0][0].region: unknown region `mars`"),
    (lambda s: s, ["--set", "events[0].at=1 h"], "events: is not set"),
])
def test_bad_input_is_one_line_exit_2_and_no_output(peerlab_bin, tmp_path, mutate, flags,
                                                    expected):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(mutate(SMALL))
    out = tmp_path / "never"
    res = run(peerlab_bin, "run", str(scenario), "--out", str(out), *flags)
    assert res.returncode == 2
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert expected in lines[0]
    assert not out.exists()
    assert not (tmp_path / "never.partial").exists()


def test_missing_file(peerlab_bin, tmp_path):
    res = run(peerlab_bin, "run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o"))
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert "nope.yaml" in res.stderr
    assert not (tmp_path / "o").exists()


def test_existing_run_is_not_overwritten_without_force(peerlab_bin, tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL)
    out = tmp_path / "run"
    assert run(peerlab_bin, "run", str(scenario), "--out", str(out), "--quiet").returncode == 0
    before = digest(out / "summary.json")
    res = run(peerlab_bin, "run", str(scenario), "--out", str(out), "--seed", "9")
    assert res.returncode == 2 and "already exists" in res.stderr
    assert digest(out / "summary.json") == before
    res = run(peerlab_bin, "run", str(scenario), "--out", str(out), "--seed", "9", "--force",
              "--quiet")
    assert res.returncode == 0
    assert json.loads((out / "summary.json").read_text())["seed"] == 9


def test_check_and_help(peerlab_bin, root):
    res = run(peerlab_bin, "check", str(root / "scenarios" / "bitcoin.yaml"))
    assert res.returncode == 0 and res.stdout.startswith("ok: bitcoin (10000 nodes)")
    for args in (["--help"], ["run", "--help"], ["check", "--help"], ["reference", "--help"]):
        res = run(peerlab_bin, *args)
        assert res.returncode == 0 and "Usage" in res.stdout, args
    res = run(peerlab_bin, "frobnicate")
    assert res.returncode == 2 and "unknown command" in res.stderr
    res = run(peerlab_bin)
    assert res.returncode == 2


def test_every_shipped_scenario_is_valid(peerlab_bin, root):
    for path in sorted((root / "scenarios").glob("*.yaml")):
        res = run(peerlab_bin, "check", str(path))
        assert res.returncode == 0, f"{path}: {res.stderr}"


def test_wire_check_passes_and_changes_nothing(peerlab_bin, tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL.replace("block_size: 1 MB", "block_size: 50 kB")
                        + "transactions: {rate: 2}\n")
    plain = run(peerlab_bin, "run", str(scenario), "--quiet", "--out", str(tmp_path / "a"),
                "--set", "protocol.relay=compact")
    checked = run(peerlab_bin, "run", str(scenario), "--quiet", "--out", str(tmp_path / "b"),
                  "--set", "protocol.relay=compact", "--wire-check")
    assert plain.returncode == 0, plain.stderr
    assert checked.returncode == 0, checked.stderr
    assert plain.stdout == checked.stdout
    assert json.loads(checked.stdout)["transactions"]["created"] > 0


def test_partition_scenario_reports_partitions(peerlab_bin, root, tmp_path):
    out = tmp_path / "p"
    res = run(peerlab_bin, "run", str(root / "scenarios" / "partition.yaml"), "--quiet",
              "--out", str(out), "--set", "network.nodes=300", "--set", "events[0].at=90 min")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["reorgs"]["depth_histogram"] == {} or \
        sum(summary["reorgs"]["depth_histogram"].values()) == summary["reorgs"]["count"]
    [p] = summary["partitions"]
    assert p["at_s"] == 5400 and p["healed_at_s"] == 14400 and p["mode"] == "drop"
    assert set(p) == {"at_s", "healed_at_s", "mode", "sides", "time_to_consistency_s"}
    assert sum(side["nodes"] for side in p["sides"]) == 300
    assert abs(sum(side["hashrate"] for side in p["sides"]) - 1) < 1e-9
    for side in p["sides"]:
        assert set(side) == {"nodes", "hashrate", "blocks_mined", "blocks_orphaned"}
        assert 0 <= side["blocks_orphaned"] <= side["blocks_mined"]
    assert p["time_to_consistency_s"] is not None and p["time_to_consistency_s"] >= 0


@pytest.mark.parametrize("name", sorted(ADVERSARY_KEYS))
def test_attack_scenarios_report_their_adversary(peerlab_bin, root, tmp_path, name):
    out = tmp_path / "run"
    res = run(peerlab_bin, "run", str(root / "scenarios" / name), "--out", str(out), "--quiet",
              "--set", "stop.blocks=40", "--set", "network.nodes=80",
              "--set", "groups.attacker.hashrate=0.35", "--set", "groups.honest.hashrate=0.65")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    attacker = summary["adversaries"]["attacker"]
    assert set(attacker) == ADVERSARY_KEYS[name]
    assert attacker["hashrate"] == 0.35
    assert 0 <= summary["chain_quality"] <= 1


ECLIPSE_KEYS = {"kind", "victim", "restart_at_s", "eclipsed", "eclipsed_at_s", "victim_outbound",
                "victim_outbound_attacker_share", "addrman_attacker_share_new",
                "addrman_attacker_share_tried", "addrman_trash_share_new",
                "attacker_connections", "victim_connections_to_attacker", "flood_messages"}


def test_eclipse_and_churn_scenarios_report_their_keys(peerlab_bin, root, tmp_path):
    out = tmp_path / "eclipse"
    res = run(peerlab_bin, "run", str(root / "scenarios" / "eclipse.yaml"), "--out", str(out),
              "--quiet", "--set", "network.nodes=150",
              "--set", "groups.attacker.strategy.restart_at=20 min", "--set", "stop.time=30 min")
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    attacker = summary["adversaries"]["attacker"]
    assert set(attacker) == ECLIPSE_KEYS
    assert attacker["kind"] == "eclipse" and attacker["restart_at_s"] == 1200
    assert attacker["eclipsed"] == (attacker["eclipsed_at_s"] is not None)
    assert attacker["attacker_connections"] > 1000  # one a second for 30 min, less the downtime
    assert 0 < attacker["addrman_attacker_share_new"] < 1
    assert summary["churn"] is None

    out = tmp_path / "churn"
    res = run(peerlab_bin, "run", str(root / "scenarios" / "churn.yaml"), "--out", str(out),
              "--quiet", "--set", "stop.blocks=5")
    assert res.returncode == 0, res.stderr
    churn = json.loads((out / "summary.json").read_text())["churn"]
    assert set(churn) == {"nodes", "departures", "arrivals", "link_failures", "offline_at_end"}
    assert churn["nodes"] == 84  # 30 % of the 280 relays
    assert churn["arrivals"] == churn["departures"] - churn["offline_at_end"]


def test_topology_files_and_snapshots(peerlab_bin, tmp_path):
    import networkx as nx
    scenario = tmp_path / "small.yaml"
    scenario.write_text(SMALL)
    out = tmp_path / "run"
    res = run(peerlab_bin, "run", str(scenario), "--out", str(out), "--quiet",
              "--set", "topology_snapshots=[10 min, 1 h, 1000 h]",
              "--set", "outputs=[summary, graphml]")
    assert res.returncode == 0, res.stderr
    edges = list(csv.DictReader((out / "edges.csv").open()))
    nodes = list(csv.DictReader((out / "nodes.csv").open()))
    assert len(nodes) == 120 and [int(n["node"]) for n in nodes] == list(range(120))
    assert abs(sum(float(n["hashrate"]) for n in nodes) - 1.0) < 1e-9
    assert {n["group"] for n in nodes} == {"pools", "relays"}
    assert all(n["online"] == "true" for n in nodes)
    assert {e["type"] for e in edges} <= {"full-relay", "block-relay-only", "rushing"}
    # Bitcoin-like topology: every node keeps 8 full-relay and 2 block-relay-only outbound, plus
    # at most one feeler probe that may be open at that instant.
    out_degree = {}
    for e in edges:
        assert e["source"] != e["target"]
        out_degree[e["source"]] = out_degree.get(e["source"], 0) + 1
    assert len(out_degree) == 120
    assert min(out_degree.values()) == 10 and max(out_degree.values()) <= 11
    # The 1000 h snapshot lies after the end of the run: not written.
    assert (out / "edges_at_600s.csv").exists() and (out / "edges_at_3600s.csv").exists()
    assert not (out / "edges_at_3600000s.csv").exists()
    assert not (out / "blocks.csv").exists()
    g = nx.read_graphml(out / "topology.graphml")
    assert g.number_of_nodes() == 120 and g.number_of_edges() == len(edges)
    assert (out / "topology_at_600s.graphml").exists()


# ---- hostile input files (issue 24, defects 8, 10, 11; docs/limits.md) ----------------------
# Each case must end quickly with exit status 2 and one line: the timeouts turn a hang or an
# unbounded read into a failure instead of a stuck CI job.

def one_line_error(res):
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_device_and_fifo_scenarios_are_refused_without_reading(peerlab_bin, tmp_path):
    res = subprocess.run([peerlab_bin, "run", "/dev/zero", "--out", str(tmp_path / "o")],
                         capture_output=True, text=True, timeout=10)
    assert one_line_error(res) == \
        "/dev/zero: cannot read file: is a character device, not a regular file"
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for cmd in ("check", "run"):
        res = subprocess.run([peerlab_bin, cmd, str(fifo), "--out", str(tmp_path / "o")][
            : 3 if cmd == "check" else 5], capture_output=True, text=True, timeout=10)
        assert one_line_error(res) == \
            f"{fifo}: cannot read file: is a FIFO (named pipe), not a regular file"
    assert not (tmp_path / "o").exists()


def test_oversized_scenario_is_refused_before_parsing(peerlab_bin, tmp_path):
    # The 52 MB list of the issue: 25 s and 3.5 GB before, refused by its size now.
    big = tmp_path / "list.yaml"
    big.write_text("- 1\n" * 13_000_000)
    res = subprocess.run([peerlab_bin, "check", str(big)], capture_output=True, text=True,
                         timeout=20)
    assert one_line_error(res) == \
        f"{big}: cannot read file: is 52000000 bytes, more than the limit of 8 MiB"


def test_wire_decode_of_an_endless_stream_stops_at_the_first_header(peerlab_bin):
    res = subprocess.run([peerlab_bin, "wire", "decode", "/dev/zero"], capture_output=True,
                         text=True, timeout=10)
    assert res.stdout == ""
    assert one_line_error(res) == "peerlab wire decode: message 1 at byte 0: bad magic; stopping"
    res = subprocess.run([peerlab_bin, "wire", "encode", "/dev/zero"], capture_output=True,
                         text=True, timeout=20)
    assert one_line_error(res) == "peerlab wire encode: line 1: longer than 16777216 bytes"


EDGE_SCENARIO = """version: 1
name: edges
stop: {blocks: 3}
network: {nodes: 4, topology: {kind: edge-list, file: edges.txt}}
groups:
  all: {nodes: rest, hashrate: 1}
"""


@pytest.mark.parametrize("edges,expected", [
    ("0 1\n1 x\n", "edges.txt:2:3: network.topology.file: expected a node index"),
    ("0 1\n1 7\n", "edges.txt:2:3: network.topology.file: node index `7` out of range"),
    ("0 1 2\n", "edges.txt:1:5: network.topology.file: expected two node indices, found a third"),
    ("0 -1\n", "edges.txt:1:3: network.topology.file: node index must not be negative"),
    ("", "s.yaml:4:55: network.topology.file: edge-list file `"),
], ids=["token", "range", "three-columns", "negative", "empty"])
def test_check_refuses_the_edge_lists_run_refuses(peerlab_bin, tmp_path, edges, expected):
    (tmp_path / "edges.txt").write_text(edges)
    (tmp_path / "s.yaml").write_text(EDGE_SCENARIO)
    check = one_line_error(run(peerlab_bin, "check", "s.yaml", cwd=tmp_path))
    assert check.startswith(expected), check
    out = tmp_path / "o"
    assert one_line_error(run(peerlab_bin, "run", "s.yaml", "--out", str(out),
                              cwd=tmp_path)) == check
    assert not out.exists()


@pytest.mark.parametrize("text,expected", [
    ('version: 1\nname: "base\nstop: {blocks: 3}\n',
     ':2:7: yaml: unterminated quoted string (no closing " before the end of the file)'),
    ("version: 1\nname: ba\0se\n",
     ":2:9: yaml: NUL byte: this is not a text file (scenarios are UTF-8 text)"),
    ("[" * 100_000,
     ":1:65: yaml: nested more than 64 levels deep (or an alias refers to itself)"),
    ("version: 1\noutputs: [summary\n",
     ":2:10: yaml: this `[` is never closed (no `]` before the end of the file)"),
], ids=["unterminated-quote", "nul-byte", "deep-nesting", "unclosed-bracket"])
def test_yaml_syntax_errors_are_reported_where_they_are(peerlab_bin, tmp_path, text, expected):
    scenario = tmp_path / "bad.yaml"
    scenario.write_bytes(text.encode())
    line = one_line_error(subprocess.run([peerlab_bin, "check", str(scenario)],
                                         capture_output=True, text=True, timeout=20))
    assert line == f"{scenario}{expected}"


def test_explore_runs_a_small_campaign_and_refuses_misuse(peerlab_bin, tmp_path):
    out = tmp_path / "campaign"
    res = run(peerlab_bin, "explore", "bitcoin", "--runs", "4", "--seed", "3", "--out", str(out),
              "--quiet")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["runs"] == 4 and report["failures"] == [] and report["family"] == "bitcoin"
    assert json.loads((out / "explore.json").read_text()) == report
    # The same seed draws the same scenarios: the same figures but the wall time.
    again = json.loads(run(peerlab_bin, "explore", "bitcoin", "--runs", "4", "--seed", "3",
                           "--out", str(tmp_path / "again"), "--quiet").stdout)
    for key in ("events", "simulated_hours", "faults_injected", "recovery_checked", "checkpoints"):
        assert again[key] == report[key], key
    assert run(peerlab_bin, "explore", "--help").returncode == 0
    # A time budget stops starting runs; what ran is reported.
    res = run(peerlab_bin, "explore", "tendermint", "--runs", "100000", "--time-budget", "2 s",
              "--out", str(tmp_path / "budget"), "--quiet")
    assert res.returncode == 0, res.stderr
    budget = json.loads(res.stdout)
    assert budget["budget_reached"] is True and 0 < budget["runs"] < 100000
    assert budget["wall_s"] < 60
    for args, expected in [([], "missing FAMILY"),
                           (["ethereum"], "FAMILY: expected bitcoin or tendermint, got 'ethereum'"),
                           (["bitcoin", "--runs", "0"], "--runs: expected an integer from 1 to"),
                           (["bitcoin", "--time-budget", "soon"], "--time-budget: expected"),
                           (["bitcoin", "--frobnicate"], "--frobnicate: unknown option")]:
        res = run(peerlab_bin, "explore", *args, cwd=tmp_path)
        assert res.returncode == 2, args
        assert expected in res.stderr, (args, res.stderr)
        assert res.stdout == ""
