"""The Python API (docs/python.md) against the CLI it mirrors: same validation, same errors,
same numbers."""
import json
import pickle
import subprocess
import sys

import pandas as pd
import pytest

import _peerlab
import peerlab
from peerlab.scenario import to_yaml

def check(peerlab_bin, path, *sets):
    args = [peerlab_bin, "check", str(path)]
    for s in sets:
        args += ["--set", s]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_load_reads_and_validates(root):
    path = str(root / "scenarios" / "default.yaml")
    s = peerlab.load(path)
    assert (s.name, s.seed, s.nodes, s.overrides) == ("default", 1, 1000, [])
    assert s.label == path and s.base_dir == str(root / "scenarios")
    assert s.resolved["network"]["nodes"] == 1000
    assert "default" in repr(s) and "1000 nodes" in repr(s)
    with pytest.raises(FileNotFoundError):
        peerlab.load(root / "scenarios" / "no-such.yaml")


def test_shipped_scenario_is_the_checkouts_file_and_a_wrong_name_lists_them(root):
    assert peerlab.shipped_scenario("default.yaml") == str(root / "scenarios" / "default.yaml")
    assert peerlab.shipped_scenario("sweeps/default-100.yaml") == str(
        root / "scenarios" / "sweeps" / "default-100.yaml")
    with pytest.raises(FileNotFoundError) as e:
        peerlab.shipped_scenario("no-such.yaml")
    assert "no shipped scenario `no-such.yaml`" in str(e.value)
    assert "default.yaml" in str(e.value) and "sweeps/default-100.yaml" in str(e.value)


def test_with_takes_dotted_keys_as_dict_or_kwargs(root):
    s = peerlab.load(root / "scenarios" / "default.yaml")
    a = s.with_({"network.nodes": 500, "protocol.block_interval": "300 s"})
    b = s.with_(**{"network.nodes": 500}).with_(**{"protocol.block_interval": "300 s"})
    assert a.overrides == b.overrides == ["network.nodes=500", "protocol.block_interval=300 s"]
    assert a == b and s.overrides == []  # with_ returns a new Scenario
    assert a.nodes == 500 and a.resolved["network"]["nodes"] == 500
    # Setting a key again replaces the earlier override; seed is an ordinary key.
    c = a.with_(**{"network.nodes": 70}, seed=9)
    assert c.overrides == ["protocol.block_interval=300 s", "network.nodes=70", "seed=9"]
    assert (c.nodes, c.seed) == (70, 9)
    d = s.with_({"outputs": ["summary"], "network.topology": {"kind": "random-regular",
                                                            "degree": 8}})
    assert d.resolved["outputs"] == ["summary"]
    assert d.resolved["network"]["topology"]["kind"] == "random-regular"


@pytest.mark.parametrize("value, text", [
    (True, "true"), (False, "false"), (500, "500"), (0.35, "0.35"), (1e-05, "1e-05"),
    (None, "null"), ("30 %", "30 %"), ("", '""'), ("a #b", '"a #b"'), ("[summary]", "[summary]"),
    ([1, 2.5], "[1, 2.5]"), (["summary", "blocks"], "[summary, blocks]"),
    (["a, b", "true", "1e-5"], '["a, b", "true", "1e-5"]'), ({"kind": "x", "n": 3}, "{kind: x, n: 3}"),
])
def test_python_values_become_yaml_text(value, text):
    assert to_yaml(value) == text


BAD_OVERRIDES = [
    {"network.nodes": "abc"},
    {"groups.attacker.hashrate": 0.3},
    {"stop.blocks": -1},
    {"network.nodez": 5},
    {"protocol.block_interval": 600},
    {"outputs": ["summary", "pictures"]},
    {"network.nodes": 100, "groups.pools.nodes": 200},
]


@pytest.mark.parametrize("overrides", BAD_OVERRIDES, ids=lambda o: ",".join(o))
def test_bad_overrides_give_the_cli_error_text(peerlab_bin, root, overrides):
    path = str(root / "scenarios" / "default.yaml")
    s = peerlab.load(path)
    with pytest.raises(peerlab.ScenarioError) as err:
        s.with_(overrides)
    cli = check(peerlab_bin, path, *(f"{k}={to_yaml(v)}" for k, v in overrides.items()))
    assert cli.returncode == 2
    assert str(err.value) == cli.stderr.strip()
    assert "\n" not in str(err.value)


def test_errors_in_the_file_name_file_line_and_column(peerlab_bin, tmp_path, root):
    text = (root / "scenarios" / "default.yaml").read_text().replace("nodes: 1000", "nodes: -5")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError) as err:  # ScenarioError is a ValueError
        peerlab.load(str(path))
    assert isinstance(err.value, peerlab.ScenarioError)
    assert peerlab.ScenarioError is _peerlab.ScenarioError
    assert str(err.value) == check(peerlab_bin, path).stderr.strip()
    assert str(err.value).startswith(f"{path}:")


def test_scenario_pickles(small):
    again = pickle.loads(pickle.dumps(small))
    assert again == small and again.overrides == small.overrides
    assert (again.name, again.seed, again.nodes) == (small.name, small.seed, small.nodes)


def test_run_returns_summary_and_tables(small):
    r = peerlab.run(small, seed=3)
    assert r.seed == 3 and r.summary["seed"] == 3 and r.scenario.seed == 3
    assert r.summary["nodes"] == 60 and r.summary["blocks"]["mined"] == 8
    assert r.manifest["seed"] == 3 and "seed=3" in r.manifest["overrides"]
    assert r.run_dir is None
    assert {"id", "height", "parent", "miner_group", "main_chain", "reach_90_s"} <= set(r.blocks)
    assert len(r.blocks) == 8 and r.blocks["id"].map(len).eq(64).all()
    assert list(r.nodes.columns[:4]) == ["node", "region", "as", "group"] and len(r.nodes) == 60
    assert list(r.edges.columns) == ["source", "target", "type"] and len(r.edges) > 0
    assert isinstance(r.transactions, pd.DataFrame) and len(r.transactions.columns) > 0
    assert "seed 3" in repr(r)


def test_same_seed_same_results_other_seed_other_results(small):
    a, b, c = peerlab.run(small, seed=5), peerlab.run(small, seed=5), peerlab.run(small, seed=6)
    assert a.summary == b.summary
    pd.testing.assert_frame_equal(a.blocks, b.blocks)
    pd.testing.assert_frame_equal(a.edges, b.edges)
    assert a.summary != c.summary


def test_run_directory_matches_the_cli(peerlab_bin, small, tmp_path):
    r = peerlab.run(small, seed=2, out=tmp_path / "api")
    assert r.run_dir == str(tmp_path / "api")
    args = [peerlab_bin, "run", small.label, "--seed", "2", "--quiet", "--out",
            str(tmp_path / "cli")]
    for o in small.overrides:
        args += ["--set", o]
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    for name in ("summary.json", "blocks.csv", "edges.csv", "nodes.csv"):
        assert (tmp_path / "api" / name).read_text() == (tmp_path / "cli" / name).read_text()
    saved = peerlab.run(small, seed=2)
    saved.save(tmp_path / "saved")
    assert saved.run_dir == str(tmp_path / "saved")
    for name in ("summary.json", "blocks.csv", "edges.csv", "nodes.csv"):
        assert (tmp_path / "saved" / name).read_text() == (tmp_path / "cli" / name).read_text()
    assert json.loads((tmp_path / "saved" / "run.json").read_text())["seed"] == 2
    with pytest.raises(FileExistsError):
        saved.save(tmp_path / "saved")


def test_result_pickles(small):
    r = peerlab.run(small, seed=4)
    again = pickle.loads(pickle.dumps(r))
    assert again.summary == r.summary
    pd.testing.assert_frame_equal(again.blocks, r.blocks)


def test_analyze_a_result_or_a_run_directory(small, tmp_path):
    r = peerlab.run(small, seed=2)
    a = peerlab.analyze(r)
    assert a["topology"]["nodes"] == 60 and a.run_dir is None
    assert a.report_md.startswith("#") and r.run_dir is None
    d = peerlab.run(small, seed=2, out=tmp_path / "run")
    b = peerlab.analyze(d.run_dir, threshold=0.5)
    assert b.run_dir == str(tmp_path / "run")
    assert json.loads((tmp_path / "run" / "analysis.json").read_text()) == dict(b)
    assert (tmp_path / "run" / "report.md").read_text() == b.report_md
    assert b["topology"] == a["topology"]
    with pytest.raises(ValueError):
        peerlab.analyze(tmp_path / "no-such-run")


def test_theory_matches_the_cli(peerlab_bin):
    def cli(*args):
        out = subprocess.run([peerlab_bin, "theory", *args], capture_output=True, text=True,
                             check=True, timeout=120).stdout
        return json.loads(out)

    sm = peerlab.theory.selfish_mining(0.35, 0.5, optimal=True, max_fork_length=30)
    ref = cli("selfish-mining", "--alpha", "0.35", "--gamma", "0.5", "--optimal",
              "--max-fork-length", "30")
    assert sm == ref
    assert peerlab.theory.selfish_mining(0.2, 0) == cli("selfish-mining", "--alpha", "0.2",
                                                         "--gamma", "0")
    ds = peerlab.theory.double_spend(0.1, 5)
    assert ds == cli("double-spend", "--q", "0.1", "--z", "5")
    with pytest.raises(ValueError):
        peerlab.theory.selfish_mining(0.7, 0.5)


def test_version():
    assert peerlab.version == _peerlab.version and isinstance(peerlab.version, str)


def test_import_error_says_how_to_build(root):
    out = subprocess.run([sys.executable, "-c", "import peerlab"], capture_output=True,
                         text=True, env={"PYTHONPATH": str(root / "python")}, timeout=60)
    assert out.returncode != 0 and "cmake --build --preset release" in out.stderr


def test_run_releases_the_gil(root):
    # While one thread runs a simulation (a fraction of a second), another must keep executing
    # Python: with the GIL held for the whole run the counter could only move while the
    # worker runs Python code before and after it, a few 5 ms switch intervals (~50k ticks
    # each); released, it counts for the whole run (millions).
    import threading

    s = peerlab.load(str(root / "scenarios" / "default.yaml")).with_(
        {"network.nodes": 600, "stop.blocks": 30})
    done = threading.Event()
    result = {}

    def work():
        result["r"] = peerlab.run(s, seed=3)
        done.set()

    thread = threading.Thread(target=work)
    ticks_during_run = 0
    thread.start()
    while not done.is_set():
        ticks_during_run += 1
    thread.join()
    assert result["r"].summary["blocks"]["mined"] >= 30
    assert ticks_during_run > 1_000_000, ticks_during_run


def test_load_refuses_special_and_huge_files_before_reading(tmp_path, peerlab_bin):
    """Issue 24, defect 8 (the Python side): peerlab.load and `peerlab sweep FILE` check the
    file like the CLI does, so /dev/zero or a FIFO is one error, not a hang or a MemoryError."""
    import os
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate((8 << 20) + 1)  # sparse
    for path, why in (("/dev/zero", "character device"), (fifo, "FIFO"),
                      (big, "more than the limit of 8 MiB")):
        # In a child with a timeout and a 2 GB address space, so that a regression fails the
        # test instead of hanging it or eating the machine's memory.
        code = ("import resource, peerlab; resource.setrlimit(resource.RLIMIT_AS, (2 << 30,) * 2)\n"
                "try:\n    peerlab.load(%r)\nexcept peerlab.ScenarioError as e:\n    print(e)" % str(path))
        child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=30)
        assert child.returncode == 0 and why in child.stdout, (child.stdout, child.stderr)
        res = subprocess.run([peerlab_bin, "sweep", str(path), "--quiet"], capture_output=True,
                             text=True, timeout=30)
        assert res.returncode == 2, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1 and why in res.stderr, res.stderr
