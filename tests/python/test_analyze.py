"""`peerlab analyze` checked against networkx/numpy/scipy on generated graphs (docs/analysis.md).

Exact metrics must agree exactly; spectra to 1e-6 relative; sampled figures within their
stated standard error."""
import itertools
import json
import random
import subprocess

import networkx as nx
import numpy as np
import pytest
import scipy.sparse.csgraph

# networkx 2.8 announces its 3.0 return types; irrelevant here.
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

TOPOLOGY_KEYS = {"nodes", "edges", "components", "vertex_connectivity", "edge_connectivity",
                 "algebraic_connectivity", "spectral_gap", "diameter", "mean_shortest_path",
                 "articulation_points", "bridges", "max_core", "degree", "betweenness_top",
                 "partition_resilience"}


def run(peerlab_bin, *args):
    return subprocess.run([peerlab_bin, "analyze", *args], capture_output=True, text=True,
                          timeout=300)


def bitcoin_like(n, outbound, seed):
    """Each node opens `outbound` connections to distinct random peers (Bitcoin Core's 8)."""
    rng = random.Random(seed)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for u in range(n):
        opened = 0
        while opened < outbound:
            v = rng.randrange(n)
            if v != u and not g.has_edge(u, v):
                g.add_edge(u, v)
                opened += 1
    return g


def bottleneck(seed):
    """Two dense random halves joined only through node 0 (a cut vertex), plus a pendant path
    hanging off node 5 (bridges): the shape an eclipse or AS-level attack exploits."""
    rng = random.Random(seed)
    g = nx.Graph()
    left, right = list(range(1, 31)), list(range(31, 61))
    for side in (left, right):
        for u, v in itertools.combinations(side, 2):
            if rng.random() < 0.3:
                g.add_edge(u, v)
        g.add_edge(0, side[0])
        g.add_edge(0, side[1])
    g.add_edges_from([(5, 61), (61, 62), (62, 63)])
    return g


GRAPHS = {
    "gnp": lambda: nx.gnp_random_graph(90, 0.05, seed=11),  # several components
    "small_world": lambda: nx.connected_watts_strogatz_graph(120, 6, 0.1, seed=4),
    "bitcoin_like": lambda: bitcoin_like(150, 8, seed=5),
    "bottleneck": lambda: bottleneck(seed=6),
}


def write_graph(g, path, csv_format):
    if csv_format:
        lines = ["source,target,type"] + [f"{u},{v},full-relay" for u, v in g.edges()]
    else:
        lines = ["# generated"] + [f"{u} {v}" for u, v in g.edges()]
    path.write_text("\n".join(lines) + "\n")


def analyze_graph(peerlab_bin, g, tmp_path, csv_format=True):
    path = tmp_path / ("edges.csv" if csv_format else "edges.txt")
    write_graph(g, path, csv_format)
    res = run(peerlab_bin, "--graph", str(path))
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["topology"]


def check_node_cut(g, cut):
    h = g.copy()
    h.remove_nodes_from(cut)
    return not nx.is_connected(h)


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_metrics_agree_with_networkx(peerlab_bin, tmp_path, name):
    g = GRAPHS[name]()
    g.add_nodes_from(range(max(g.nodes()) + 1))  # ids 0..max, isolated ones included
    t = analyze_graph(peerlab_bin, g, tmp_path, csv_format=(name != "gnp"))
    assert TOPOLOGY_KEYS <= set(t)
    assert t["nodes"] == g.number_of_nodes() and t["edges"] == g.number_of_edges()
    assert t["components"]["count"] == nx.number_connected_components(g)

    assert t["vertex_connectivity"]["method"] == "exact"
    assert t["vertex_connectivity"]["value"] == nx.node_connectivity(g)
    assert t["edge_connectivity"]["value"] == nx.edge_connectivity(g)
    if nx.is_connected(g):
        cut = t["vertex_connectivity"]["min_cut"]
        assert len(cut) == t["vertex_connectivity"]["value"] and check_node_cut(g, cut)
        h = g.copy()
        h.remove_edges_from(map(tuple, t["edge_connectivity"]["min_cut"]))
        assert len(t["edge_connectivity"]["min_cut"]) == t["edge_connectivity"]["value"]
        assert not nx.is_connected(h)

    assert t["articulation_points"] == sorted(nx.articulation_points(g))
    assert t["bridges"] == sorted([min(e), max(e)] for e in nx.bridges(g))

    largest = g.subgraph(max(nx.connected_components(g), key=len))
    assert t["diameter"]["method"] == "exact"
    assert t["diameter"]["value"] == nx.diameter(largest)
    eccentricity = nx.eccentricity(largest)
    assert t["eccentricity"] == [eccentricity.get(v) for v in range(g.number_of_nodes())]
    assert t["diameter"]["radius"] == nx.radius(largest)
    assert t["mean_shortest_path"]["method"] == "exact"
    assert t["mean_shortest_path"]["value"] == pytest.approx(
        nx.average_shortest_path_length(largest), rel=1e-12)

    core = nx.core_number(g)
    assert t["core_numbers"] == [core[v] for v in range(g.number_of_nodes())]
    assert t["max_core"] == max(core.values())
    degrees = [d for _, d in g.degree()]
    assert (t["degree"]["min"], t["degree"]["max"]) == (min(degrees), max(degrees))

    between = nx.betweenness_centrality(g)
    assert t["betweenness_top"]["method"] == "exact"
    assert t["betweenness"] == pytest.approx([between[v] for v in range(len(between))],
                                             abs=1e-12)
    top = t["betweenness_top"]["top"][0]
    assert top["betweenness"] == pytest.approx(max(between.values()), abs=1e-12)

    laplacian = nx.laplacian_matrix(g, nodelist=range(g.number_of_nodes())).toarray()
    expected = np.linalg.eigvalsh(laplacian.astype(float))
    assert np.allclose(t["laplacian_spectrum"], expected, rtol=1e-6, atol=1e-9)
    assert t["algebraic_connectivity"]["method"] == "exact"
    if nx.is_connected(g):
        assert t["algebraic_connectivity"]["value"] == pytest.approx(
            nx.algebraic_connectivity(g, tol=1e-12, method="lanczos"), rel=1e-6)
        normalized = nx.normalized_laplacian_matrix(g).toarray()
        assert t["spectral_gap"]["value"] == pytest.approx(
            np.linalg.eigvalsh(normalized)[1], rel=1e-6)
    else:
        assert t["algebraic_connectivity"]["value"] == 0 and t["spectral_gap"]["value"] == 0


def test_large_graph_uses_lanczos_and_sampling_within_stated_error(peerlab_bin, tmp_path):
    g = bitcoin_like(2400, 4, seed=9)  # above the exact limit of 2000 nodes
    t = analyze_graph(peerlab_bin, g, tmp_path)
    assert t["algebraic_connectivity"]["method"] == "lanczos"
    assert t["algebraic_connectivity"]["converged"]
    laplacian = nx.laplacian_matrix(g, nodelist=range(2400)).toarray().astype(float)
    assert t["algebraic_connectivity"]["value"] == pytest.approx(
        np.linalg.eigvalsh(laplacian)[1], rel=1e-6)
    normalized = nx.normalized_laplacian_matrix(g, nodelist=range(2400)).toarray()
    assert t["spectral_gap"]["value"] == pytest.approx(np.linalg.eigvalsh(normalized)[1],
                                                       rel=1e-6)
    # Sampled distances: estimate within 5 standard errors; diameter a lower bound.
    distances = scipy.sparse.csgraph.shortest_path(nx.to_scipy_sparse_array(g),
                                                   unweighted=True)
    exact_mean = distances.sum() / (2400 * 2399)
    msp = t["mean_shortest_path"]
    assert msp["method"] == "sampled" and msp["standard_error"] > 0
    assert abs(msp["value"] - exact_mean) <= 5 * msp["standard_error"]
    assert t["diameter"]["method"] == "lower-bound"
    assert t["diameter"]["value"] <= distances.max()
    assert t["betweenness_top"]["method"] == "sampled"
    assert t["edge_connectivity"]["value"] == nx.edge_connectivity(g)


def brute_force_resilience(g, weight, threshold):
    """Fewest nodes whose removal leaves no component above 1 - threshold of the weight."""
    total = sum(weight.values())
    for k in range(g.number_of_nodes() + 1):
        for removed in itertools.combinations(sorted(g.nodes()), k):
            h = g.copy()
            h.remove_nodes_from(removed)
            largest = max((sum(weight[v] for v in c) for c in nx.connected_components(h)),
                          default=0)
            if largest <= (1 - threshold) * total + 1e-12:
                return k
    raise AssertionError("unreachable")


def write_run_dir(run_dir, g, regions, ases, hashrate, summary=None):
    run_dir.mkdir()
    write_graph(g, run_dir / "edges.csv", True)
    rows = ["node,region,as,group,hashrate,online"]
    for v in range(g.number_of_nodes()):
        rows.append(f"{v},{regions[v]},{ases[v]},{'pools' if hashrate[v] else 'relays'},"
                    f"{hashrate[v]},true")
    (run_dir / "nodes.csv").write_text("\n".join(rows) + "\n")
    if summary is not None:
        (run_dir / "summary.json").write_text(json.dumps(summary))


def test_run_directory_writes_analysis_and_report(peerlab_bin, tmp_path):
    g = nx.connected_watts_strogatz_graph(16, 4, 0.3, seed=3)
    hashrate = {v: 0.0 for v in g}
    for v, share in [(0, 0.3), (5, 0.25), (9, 0.25), (13, 0.2)]:
        hashrate[v] = share
    regions = {v: ["north-america", "europe", "asia"][v % 3] for v in g}
    ases = {v: f"AS{v % 5}" for v in g}
    summary = {
        "scenario": "toy", "seed": 1, "nodes": 16,
        "partitions": [{"at_s": 600, "healed_at_s": 1800, "mode": "drop",
                        "sides": [{"nodes": 8, "hashrate": 0.55, "blocks_mined": 2,
                                   "blocks_orphaned": 0},
                                  {"nodes": 8, "hashrate": 0.45, "blocks_mined": 1,
                                   "blocks_orphaned": 1}],
                        "time_to_consistency_s": 2.5}],
        "transactions": {"created": 10, "confirmed": 9, "classes": {"standard": {
            "created": 10, "included": 9, "included_share": 0.9,
            "inclusion_delay_s": {"mean": 700, "p50": 600, "p90": 1200, "p99": 1300},
            "inclusion_delay_blocks": {"mean": 1.2, "p50": 1, "p90": 2, "p99": 2}}}},
        "adversaries": {"attacker": {"kind": "selfish-mining", "revenue_share": 0.4}},
    }
    run_dir = tmp_path / "run"
    write_run_dir(run_dir, g, regions, ases, hashrate, summary)
    res = run(peerlab_bin, str(run_dir))
    assert res.returncode == 0, res.stderr
    analysis = json.loads((run_dir / "analysis.json").read_text())
    t = analysis["topology"]
    assert TOPOLOGY_KEYS <= set(t)
    cuts = {(c["unit"], c["measure"]): c for c in t["partition_resilience"]["cuts"]}
    assert set(cuts) == {(u, m) for u in ("node", "as", "region") for m in ("hashrate", "nodes")}
    node_cut = cuts[("node", "hashrate")]
    assert node_cut["method"] == "exact"
    assert node_cut["count"] == brute_force_resilience(g, hashrate, 0.5)
    assert node_cut["largest_part_share"] <= 0.5 + 1e-12
    assert cuts[("node", "nodes")]["count"] == brute_force_resilience(g, {v: 1 for v in g}, 0.5)
    assert cuts[("region", "hashrate")]["method"] == "exact"
    report = (run_dir / "report.md").read_text()
    for heading in ["Connectivity and cuts", "Centrality leaders", "Partition resilience",
                    "Partitions and recovery", "Transaction inclusion by class", "Adversaries",
                    "selfish-mining"]:
        assert heading in report


def test_isolated_nodes_from_nodes_csv_count(peerlab_bin, tmp_path):
    g = nx.path_graph(4)
    g.add_nodes_from([4, 5])  # offline at the end of the run: in nodes.csv, no edges
    run_dir = tmp_path / "run"
    write_run_dir(run_dir, g, {v: "europe" for v in g}, {v: "AS1" for v in g},
                  {v: 1 / 6 for v in g})
    res = run(peerlab_bin, str(run_dir))
    assert res.returncode == 0, res.stderr
    t = json.loads((run_dir / "analysis.json").read_text())["topology"]
    assert t["nodes"] == 6 and t["components"]["count"] == 3
    assert t["bridges"] == [[0, 1], [1, 2], [2, 3]] and t["articulation_points"] == [1, 2]


@pytest.mark.parametrize("content,expected", [
    ("source,target,type\n0,1,full-relay\n3,x,rushing\n",
     'edges.csv:3: expected two node ids, got "3,x"'),
    ("source,target\n0,1\n2\n", 'edges.csv:3: expected 2 columns, got "2"'),
    ("0 1\n1 2 3\n", 'edges.csv:2: expected two node ids, got "1 2 3"'),
    ("0 1\n-1 2\n", 'edges.csv:2: expected two node ids, got "-1 2"'),
    ("0,1\n", 'edges.csv:1: CSV edge list needs a header with source,target'),
    ("source,target,type\n", "edges.csv: no edges"),
    ("# only a comment\n\n", "edges.csv: no edges"),
])
def test_bad_edge_lists_are_one_line_errors(peerlab_bin, tmp_path, content, expected):
    path = tmp_path / "edges.csv"
    path.write_text(content)
    res = run(peerlab_bin, "--graph", str(path))
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and expected in res.stderr, res.stderr


def test_run_directory_errors(peerlab_bin, tmp_path):
    res = run(peerlab_bin, str(tmp_path / "nope"))
    assert res.returncode == 2 and "nope: no such run directory" in res.stderr
    (tmp_path / "run").mkdir()
    res = run(peerlab_bin, str(tmp_path / "run"))
    assert res.returncode == 2 and "edges.csv: missing" in res.stderr
    (tmp_path / "run" / "edges.csv").write_text("source,target,type\n0,1,full-relay\n")
    (tmp_path / "run" / "nodes.csv").write_text(
        "node,region,as,group,hashrate,online\n0,eu,AS1,g,2,true\n")
    res = run(peerlab_bin, str(tmp_path / "run"))
    assert res.returncode == 2 and "nodes.csv:2: hashrate must be a share in [0, 1]" in res.stderr
    for args, message in [(["--threshold", "0"], "--threshold: must be in (0, 1]"),
                          (["--graph"], "--graph: needs a value"),
                          ([], "missing RUN_DIR or --graph FILE"),
                          (["--bogus"], "--bogus: unknown option")]:
        res = run(peerlab_bin, *args)
        assert res.returncode == 2 and message in res.stderr and res.stderr.count("\n") == 1


def test_help_lists_analyze(peerlab_bin):
    res = subprocess.run([peerlab_bin, "--help"], capture_output=True, text=True)
    assert "peerlab analyze" in res.stdout
    res = run(peerlab_bin, "--help")
    assert res.returncode == 0 and "--graph FILE" in res.stdout


PARTITIONED = """version: 1
name: partitioned
seed: 2
stop: {blocks: 8}
network: {nodes: 150, regions: bitcoin, topology: {kind: bitcoin, outbound: 8},
          autonomous_systems: {count: 200, zipf_exponent: fitted}}
protocol: {block_interval: 600 s, block_size: 1 MB, relay: compact,
           peers: {addr_gossip: getaddr, feeler_interval: 0 s}}
groups:
  pools: {nodes: 10, hashrate: 1.0}
  relays: {nodes: rest, hashrate: 0}
events:
  - {at: 20 min, kind: partition, sides: [[region: europe], [rest]], mode: drop}
  - {at: 40 min, kind: heal}
"""


def test_analyze_a_simulated_run(peerlab_bin, tmp_path):
    """End to end: the run directory's own edges.csv/nodes.csv/summary.json."""
    scenario = tmp_path / "partitioned.yaml"
    scenario.write_text(PARTITIONED)
    out = tmp_path / "run"
    res = subprocess.run([peerlab_bin, "run", str(scenario), "--out", str(out), "--quiet"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    res = run(peerlab_bin, str(out))
    assert res.returncode == 0, res.stderr
    t = json.loads((out / "analysis.json").read_text())["topology"]
    assert t["nodes"] == 150
    g = nx.Graph()
    g.add_nodes_from(range(150))
    with (out / "edges.csv").open() as f:
        next(f)
        g.add_edges_from(tuple(map(int, line.split(",")[:2])) for line in f)
    assert t["edges"] == g.number_of_edges()
    assert t["vertex_connectivity"]["value"] == nx.node_connectivity(g)
    assert t["edge_connectivity"]["value"] == nx.edge_connectivity(g)
    cuts = {(c["unit"], c["measure"]) for c in t["partition_resilience"]["cuts"]}
    assert ("region", "hashrate") in cuts and ("as", "hashrate") in cuts
    report = (out / "report.md").read_text()
    assert "Scenario `partitioned`" in report and "Partitions and recovery" in report
    assert "| 1200 | 2400 | drop |" in report


def test_report_puts_attacks_next_to_theory(peerlab_bin, root, tmp_path):
    out = tmp_path / "ds"
    res = subprocess.run([peerlab_bin, "run", str(root / "scenarios" / "double-spend.yaml"),
                          "--out", str(out), "--quiet", "--set", "stop.blocks=120",
                          "--set", "network.nodes=60"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    res = run(peerlab_bin, str(out))
    assert res.returncode == 0, res.stderr
    report = (out / "report.md").read_text()
    rate = json.loads((out / "summary.json").read_text())["adversaries"]["attacker"]["success_rate"]
    # q 0.3, z 2, give up 3 behind: the exact probability of the simulated rules is 0.2062.
    assert ("- theory: exact success probability of these rules (q 0.3000, z 2, give up 3 "
            "behind) 0.2062; simulated %.4f" % rate) in report
    assert "Rosenfeld 0.4320" in report


def test_special_files_are_refused_before_reading(peerlab_bin, tmp_path):
    """Issue 24, defect 8 (the analyze side): /dev/zero or a FIFO as a graph, or in place of a
    run directory's files, is one error line, not a hang or unbounded memory."""
    import os
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "edges.csv").write_text("source,target\n0,1\n1,2\n")
    (run_dir / "summary.json").symlink_to("/dev/zero")
    cases = [(["--graph", "/dev/zero", "--out", str(tmp_path / "a")], "character device"),
             (["--graph", str(fifo), "--out", str(tmp_path / "b")], "FIFO"),
             ([str(run_dir)], "character device")]
    for args, why in cases:
        res = subprocess.run([peerlab_bin, "analyze", *args], capture_output=True, text=True,
                             timeout=20)
        assert res.returncode == 2, (args, res.stderr)
        assert len(res.stderr.strip().splitlines()) == 1 and why in res.stderr, res.stderr
