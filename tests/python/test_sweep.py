"""Sweeps: designs, the SQLite store, failures, resuming a killed sweep, executors, the CLI."""
import concurrent.futures as cf
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

import peerlab
from conftest import heap_gets_huge_pages_by_default, ok_runs, thp_mode
from peerlab.sweep import RandomDesign, design_points, seed_list

GRID = {"network.topology.outbound": [4, 8], "protocol.relay": ["headers", "compact"]}


def rows(store, order="finished_order"):
    db = sqlite3.connect(store)
    try:
        return db.execute(f"SELECT run_key, params, seed, status, error, session, finished_order "
                          f"FROM runs ORDER BY {order}").fetchall()
    finally:
        db.close()


def test_designs_are_deterministic_and_in_order():
    assert design_points({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    assert design_points([{"a": 1}, {"b": 2}]) == [{"a": 1}, {"b": 2}]
    assert design_points(None) == [{}]
    d = RandomDesign(5, {"u": ("uniform", 0.1, 0.4), "i": ("int", 3, 5),
                         "c": ("choice", ["x", "y"])}, seed=7)
    assert d.points() == d.points() == RandomDesign(5, dict(d.params), seed=7).points()
    assert d.points() != RandomDesign(5, dict(d.params), seed=8).points()
    for p in d.points():
        assert 0.1 <= p["u"] <= 0.4 and p["i"] in (3, 4, 5) and p["c"] in ("x", "y")
    assert seed_list(3) == [1, 2, 3] and seed_list(range(5, 7)) == [5, 6]
    # numpy values are plain Python values in the design (and so in run keys and JSON).
    assert design_points({"a": np.arange(2), "b": np.array([0.5])}) == [{"a": 0, "b": 0.5},
                                                                      {"a": 1, "b": 0.5}]
    assert type(design_points({"a": np.arange(1)})[0]["a"]) is int
    assert seed_list(np.int64(2)) == [1, 2] and seed_list(np.arange(3, 5)) == [3, 4]
    for bad in ({"seed": [1]}, {"a": 3}, {"a": []}):
        with pytest.raises(ValueError):
            design_points(bad)
    with pytest.raises(ValueError):
        RandomDesign(2, {"a": ("normal", 0, 1)})
    with pytest.raises(ValueError):
        seed_list(0)


def test_sweep_table_and_store(small, tmp_path):
    store = tmp_path / "s.sqlite"
    df = peerlab.sweep(small, GRID, seeds=2, executor=cf.ThreadPoolExecutor(2), store=store,
                       progress=False)
    assert len(df) == 8 and (df["status"] == "ok").all() and df["error"].isna().all()
    assert list(df.columns[:5]) == ["network.topology.outbound", "protocol.relay", "seed",
                                    "status", "error"]
    # Design order: parameter set, then seed.
    assert df["seed"].tolist() == [1, 2] * 4
    assert df["network.topology.outbound"].tolist() == [4] * 4 + [8] * 4
    assert df["protocol.relay"].tolist() == ["headers"] * 2 + ["compact"] * 2 + \
        ["headers"] * 2 + ["compact"] * 2
    assert {"blocks.stale_rate", "groups.pools.revenue_share", "propagation_s.p90",
            "nodes"} <= set(df.columns)
    assert (df["blocks.mined"] == 8).all()
    assert df.attrs["counts"] == {"done": 8, "failed": 0, "skipped": 0, "lost": 0}

    stored = rows(store)
    assert len(stored) == 8 and [r[6] for r in stored] == list(range(1, 9))
    assert {r[5] for r in stored} == {df.attrs["session"]}
    assert sorted(r[0] for r in stored) == sorted(df.attrs["run_keys"])
    db = sqlite3.connect(store)
    key = df.attrs["run_keys"][3]
    summary, manifest = db.execute("SELECT summary, manifest FROM runs WHERE run_key=?",
                                   (key,)).fetchone()
    assert json.loads(manifest)["seed"] == 2
    metrics = dict(db.execute("SELECT name, value FROM metrics WHERE run_key=?", (key,)))
    assert metrics["blocks.stale_rate"] == json.loads(summary)["blocks"]["stale_rate"]
    assert metrics["blocks.stale_rate"] == df.loc[3, "blocks.stale_rate"]
    assert metrics["groups.pools.revenue_share"] == df.loc[3, "groups.pools.revenue_share"]
    db.close()

    # The same sweep again computes nothing and returns the same table.
    again = peerlab.sweep(small, GRID, seeds=2, executor=cf.ThreadPoolExecutor(2), store=store,
                          progress=False)
    assert again.attrs["counts"] == {"done": 0, "failed": 0, "skipped": 8, "lost": 0}
    pd.testing.assert_frame_equal(again, df)
    # A larger sweep only adds what is missing.
    more = peerlab.sweep(small, GRID, seeds=3, executor=cf.ThreadPoolExecutor(2), store=store,
                         progress=False)
    assert more.attrs["counts"]["done"] == 4 and more.attrs["counts"]["skipped"] == 8
    assert len(rows(store)) == 12


def test_a_failing_run_is_recorded_and_the_others_finish(peerlab_bin, small, tmp_path):
    store = tmp_path / "f.sqlite"
    design = [{"network.nodes": 50}, {"network.nodes": "abc"}, {"network.nodes": 70}]
    df = peerlab.sweep(small, design, seeds=[4], executor=cf.ThreadPoolExecutor(2),
                       store=store, progress=False)
    assert df["status"].tolist() == ["ok", "failed", "ok"]
    cli = subprocess.run([peerlab_bin, "check", small.label, "--set", "network.nodes=abc"],
                         capture_output=True, text=True)
    assert df.loc[1, "error"] == cli.stderr.strip()
    assert pd.isna(df.loc[1, "blocks.mined"]) and df.loc[2, "nodes"] == 70
    stored = {json.loads(r[1])["network.nodes"]: r for r in rows(store)}
    assert stored["abc"][3] == "failed" and stored["abc"][4] == cli.stderr.strip()
    # Failures are deterministic: skipped next time unless asked to retry.
    again = peerlab.sweep(small, design, seeds=[4], executor=cf.ThreadPoolExecutor(2),
                          store=store, progress=False)
    assert again.attrs["counts"]["skipped"] == 3 and again["status"].tolist()[1] == "failed"
    retried = peerlab.sweep(small, design, seeds=[4], executor=cf.ThreadPoolExecutor(2),
                            store=store, progress=False, retry_failed=True)
    assert retried.attrs["counts"] == {"done": 0, "failed": 1, "skipped": 2, "lost": 0}
    assert len(rows(store)) == 3


KILLED = """
import sys, peerlab
s = peerlab.load(sys.argv[1]).with_({"network.nodes": 200, "stop.blocks": 20})
peerlab.sweep(s, {"network.topology.outbound": [6, 8]}, seeds=8, store=sys.argv[2],
              progress=False, workers=2)
"""


def test_killed_sweep_resumes_without_losing_or_redoing_runs(root, tmp_path):
    store = tmp_path / "killed.sqlite"
    scenario = str(root / "scenarios" / "default.yaml")
    # Own session: the kill takes the sweep and its worker processes, like a lost machine.
    proc = subprocess.Popen([sys.executable, "-c", KILLED, scenario, str(store)],
                            start_new_session=True, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while ok_runs(store) < 2:
            assert proc.poll() is None, f"sweep exited early: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "no run finished within 60 s"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = {r[0]: r for r in rows(store)}
    assert 2 <= len(before) < 16, "the sweep finished before it was killed"
    assert all(r[3] == "ok" for r in before.values())

    s = peerlab.load(scenario).with_({"network.nodes": 200, "stop.blocks": 20})
    df = peerlab.sweep(s, {"network.topology.outbound": [6, 8]}, seeds=8, store=store,
                       executor=cf.ThreadPoolExecutor(2), progress=False)
    assert len(df) == 16 and (df["status"] == "ok").all()
    assert df.attrs["counts"] == {"done": 16 - len(before), "failed": 0,
                                  "skipped": len(before), "lost": 0}
    after = {r[0]: r for r in rows(store)}
    assert len(after) == 16
    for key, row in before.items():
        assert after[key] == row  # same session, same finished_order, same everything
    new = [r for k, r in after.items() if k not in before]
    assert {r[5] for r in new} == {df.attrs["session"]}
    assert min(r[6] for r in new) > max(r[6] for r in before.values())
    # And nothing depends on the interruption: a fresh sweep gives the same table.
    fresh = peerlab.sweep(s, {"network.topology.outbound": [6, 8]}, seeds=8,
                          store=tmp_path / "fresh.sqlite", executor=cf.ThreadPoolExecutor(2),
                          progress=False)
    pd.testing.assert_frame_equal(fresh, df)


def test_same_results_whatever_the_executor(small, tmp_path):
    tunables_before = os.environ.get("GLIBC_TUNABLES")
    tables = {}
    for name, executor in [("threads", cf.ThreadPoolExecutor(2)),
                           ("processes", cf.ProcessPoolExecutor(2)),
                           ("default", None)]:
        tables[name] = peerlab.sweep(small, GRID, seeds=2, executor=executor,
                                     store=tmp_path / f"{name}.sqlite", progress=False)
        if executor is not None:
            executor.shutdown()
    for name in ("processes", "default"):
        pd.testing.assert_frame_equal(tables[name], tables["threads"])
        assert tables[name].attrs["run_keys"] == tables["threads"].attrs["run_keys"]
    metrics = []
    for name in tables:
        db = sqlite3.connect(tmp_path / f"{name}.sqlite")
        metrics.append(db.execute("SELECT * FROM metrics ORDER BY run_key, name").fetchall())
        db.close()
    assert metrics[0] == metrics[1] == metrics[2] and len(metrics[0]) > 8 * 20
    # The default pool's workers start with huge pages for their heap (as `peerlab run`);
    # runs in this process (threads) only if the kernel gives them to everyone. Nothing else
    # differs (above), and this process's environment is left as it was.
    def huge_pages(name):
        db = sqlite3.connect(tmp_path / f"{name}.sqlite")
        try:
            return {json.loads(m)["perf"]["huge_pages"]
                    for (m,) in db.execute("SELECT manifest FROM runs")}
        finally:
            db.close()
    assert huge_pages("default") == {heap_gets_huge_pages_by_default()}
    assert os.environ.get("GLIBC_TUNABLES") == tunables_before
    if "glibc.malloc.hugetlb" not in os.environ.get("GLIBC_TUNABLES", ""):
        assert huge_pages("threads") == {thp_mode() == "always"}


def test_sweep_runs_each_run_on_one_thread_unless_asked(small, tmp_path):
    # 5,000 nodes: `peerlab run` would pick the machine's cores (engine.threads: auto); a sweep,
    # which runs several runs at once, gives each one thread unless the design sets the key.
    big = small.with_({"network.nodes": 5000, "stop.blocks": 1})
    df = peerlab.sweep(big, [{}, {"engine.threads": 2}], seeds=1,
                       executor=cf.ThreadPoolExecutor(1), store=tmp_path / "t.sqlite",
                       progress=False)
    assert (df["status"] == "ok").all()
    db = sqlite3.connect(tmp_path / "t.sqlite")
    try:
        runs = {json.loads(p).get("engine.threads"): (json.loads(m), s)
                for p, m, s in db.execute("SELECT params, manifest, summary FROM runs")}
    finally:
        db.close()
    assert runs[None][0]["perf"]["threads"] == 1
    assert runs[2][0]["perf"]["threads"] == 2
    assert json.loads(runs[None][1]) == json.loads(runs[2][1])  # threads change no result


def test_default_pool_works_from_a_script_without_a_main_guard(root, tmp_path):
    # Spawned workers would re-run such a script (and its sweep) unless the sweep stops them.
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f"""\
        import peerlab
        s = peerlab.load({str(root / "scenarios" / "default.yaml")!r})
        df = peerlab.sweep(s.with_({{"network.nodes": 40, "stop.blocks": 3}}), seeds=2,
                           workers=2, store={str(tmp_path / "u.sqlite")!r}, progress=False)
        print(df["status"].tolist(), __file__)
        """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"['ok', 'ok'] {script}\n"  # __file__ is back after the sweep
    assert len(rows(tmp_path / "u.sqlite")) == 2


def test_progress_bar_shows_done_failed_remaining(small, tmp_path, capfd):
    peerlab.sweep(small, [{"network.nodes": 50}, {"network.nodes": "x"}], seeds=1,
                  executor=cf.ThreadPoolExecutor(1), store=tmp_path / "p.sqlite")
    err = capfd.readouterr().err
    assert "done=1" in err and "failed=1" in err and "remaining=0" in err


# ---- python3 -m peerlab sweep -------------------------------------------------------------

def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "peerlab", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def sweep_file(tmp_path, root, body, name="sweep.yaml"):
    path = tmp_path / name
    path.write_text(f"scenario: {root / 'scenarios' / 'default.yaml'}\n" +
                    textwrap.dedent(body))
    return path


def test_cli_runs_resumes_and_matches_the_api(root, tmp_path, small, peerlab_bin):
    path = sweep_file(tmp_path, root, """\
        seeds: [1, 2]
        grid:
          network.nodes: [60]
          stop.blocks: [8]
          network.topology.outbound: [4, 8]
        """)
    first = cli("sweep", str(path), "--workers", "2", "--csv", str(tmp_path / "out.csv"))
    assert first.returncode == 0, first.stderr
    assert "4 done, 0 failed, 0 already stored" in first.stdout
    assert str(tmp_path / "sweep.sqlite") in first.stdout
    # round_trip: pandas' default C parser may miss the last bit of a float it wrote itself.
    table = pd.read_csv(tmp_path / "out.csv", float_precision="round_trip")
    api = peerlab.sweep(small, {"network.topology.outbound": [4, 8]}, seeds=[1, 2],
                        executor=cf.ThreadPoolExecutor(2), store=tmp_path / "api.sqlite",
                        progress=False)
    assert table["blocks.stale_rate"].tolist() == api["blocks.stale_rate"].tolist()
    assert table["propagation_s.p50"].tolist() == api["propagation_s.p50"].tolist()
    # `peerlab sweep` (the C++ binary) hands over to the same package.
    second = subprocess.run([peerlab_bin, "sweep", str(path), "--quiet"], capture_output=True,
                            text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "0 done, 0 failed, 4 already stored" in second.stdout


def test_cli_random_and_runs_designs(root, tmp_path):
    path = sweep_file(tmp_path, root, """\
        seeds: 1
        store: sub/r.sqlite
        random:
          samples: 3
          seed: 5
          params:
            network.nodes: {int: [40, 60]}
            stop.blocks: {choice: [3, 4]}
            protocol.validation.fixed: {choice: [10 ms, 20 ms]}
            groups.pools.hashrate: {uniform: [1e0, 1e0]}   # YAML 1.2 numbers
        """)
    (tmp_path / "sub").mkdir()
    out = cli("sweep", str(path), "--quiet")
    assert out.returncode == 0, out.stderr
    stored = rows(tmp_path / "sub" / "r.sqlite")
    assert len(stored) == 3 and all(json.loads(r[1])["groups.pools.hashrate"] == 1.0
                                    for r in stored)
    path = sweep_file(tmp_path, root, """\
        seeds: 1
        runs:
          - {network.nodes: 50, stop.blocks: 3}
          - {network.nodes: 60, stop.blocks: 3, protocol.relay: compact}
        """, name="runs.yaml")
    out = cli("sweep", str(path), "--quiet", "--store", str(tmp_path / "x.sqlite"))
    assert out.returncode == 0, out.stderr
    params = sorted((json.loads(r[1]) for r in rows(tmp_path / "x.sqlite")),
                    key=lambda p: p["network.nodes"])
    assert params == [{"network.nodes": 50, "stop.blocks": 3},
                      {"network.nodes": 60, "stop.blocks": 3, "protocol.relay": "compact"}]


BAD_FILES = [
    ("seeds: 1\ngrid: {network.nodes: [40, abc]}\n",
     "3: grid.network.nodes[1]: --set network.nodes=abc: network.nodes: expected an integer, "
     "got `abc`"),
    ("seeds: 1\ngrids: {network.nodes: [40]}\n", "3: grids: unknown key"),
    ("seeds: 0\nruns: [{network.nodes: 40}]\n", "2: seeds: expected an integer >= 1, got `0`"),
    ("seeds: [1, x]\nruns: [{network.nodes: 40}]\n", "2: seeds[1]: expected an integer >= 0"),
    ("seeds: 1\nruns: [{network.nodes: 40}]\ngrid: {stop.blocks: [3]}\n",
     "4: grid: only one of grid, runs, random may be given (runs is at line 3)"),
    ("seeds: 1\n", "1: (top level): one of grid, runs, random is required"),
    ("seeds: 1\nruns:\n  - {network.nodes: 40}\n  - {groups.attacker.hashrate: 0.3}\n",
     "5: runs[1].groups.attacker.hashrate: --set groups.attacker.hashrate=0.3: "
     "groups.attacker.nodes: required key is missing"),
    ("seeds: 1\ngrid: {seed: [1, 2]}\n", "3: grid.seed: the seed is set by `seeds`"),
    ("seeds: 1\ngrid: {network.nodes: 40}\n", "3: grid.network.nodes: expected a non-empty list"),
    ("seeds: 1\nrandom: {samples: 2, params: {network.nodes: {int: [60, 40]}}}\n",
     "3: random.params.network.nodes.int: lo 60 is above hi 40"),
    ("seeds: 1\nrandom: {samples: 2, params: {network.nodes: {normal: [1, 2]}}}\n",
     "3: random.params.network.nodes: expected one of"),
    ("seeds: 1\nrandom: {samples: 2, params: {}}\n",
     "3: random.params: expected at least one parameter"),
    ("seeds: 1\nrandom: {samples: 2, params: {stop.blocks: {int: [2, 3]}}, extra: 1}\n",
     "3: random.extra: unknown key"),
    ("seeds: 1\nworkers: many\nruns: [{}]\n", "3: workers: expected an integer >= 1"),
    ("seeds: 1\nseeds: 2\nruns: [{}]\n", "3: seeds: repeated key (first at line 2)"),
    ("seeds: [1\n", "3: (syntax): expected ',' or ']', but got '<stream end>' (while parsing a "
     "flow sequence)"),
]


@pytest.mark.parametrize("body, expected", BAD_FILES, ids=[str(i) for i in range(len(BAD_FILES))])
def test_cli_bad_sweep_files_are_one_line_exit_2(root, tmp_path, body, expected):
    path = sweep_file(tmp_path, root, body)
    out = cli("sweep", str(path))
    assert out.returncode == 2
    assert out.stdout == "" and out.stderr.count("\n") == 1, out.stderr
    assert out.stderr.startswith(f"{path}:{expected}"), out.stderr
    assert not (tmp_path / "sweep.sqlite").exists()


def test_cli_bad_scenario_and_arguments(root, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("scenario: nope.yaml\nseeds: 1\nruns: [{}]\n")
    out = cli("sweep", str(path))
    assert out.returncode == 2 and out.stderr.startswith(f"{path}:1: scenario: cannot read")
    bad = tmp_path / "bad-scenario.yaml"
    bad.write_text((root / "scenarios" / "default.yaml").read_text().replace("1000", "x"))
    path.write_text("scenario: bad-scenario.yaml\nseeds: 1\nruns: [{}]\n")
    out = cli("sweep", str(path))
    assert out.returncode == 2 and "network.nodes: expected an integer" in out.stderr
    assert out.stderr.count("\n") == 1
    out = cli("sweep", str(tmp_path / "missing.yaml"))
    assert out.returncode == 2 and "cannot read" in out.stderr
    out = cli("sweep", str(path), "--workers", "0")
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    path.write_text(f"scenario: {root / 'scenarios' / 'default.yaml'}\nseeds: 1\nruns: [{{}}]\n")
    out = cli("sweep", str(path), "--store", str(path))  # a YAML file is not a store
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "not a database" in out.stderr
    assert cli("sweep", "--help").stdout.startswith("Usage: peerlab sweep")
    assert cli("frobnicate").returncode == 2


def test_cli_exit_status_1_when_a_run_fails(root, tmp_path):
    # The CLI validates every parameter set before running, so a failed run has to come from
    # elsewhere: here the store is edited to hold one, as a run crashing at run time would.
    path = sweep_file(tmp_path, root, """\
        seeds: [1]
        runs: [{network.nodes: 50, stop.blocks: 3}]
        """)
    out = cli("sweep", str(path), "--quiet")
    assert out.returncode == 0
    db = sqlite3.connect(tmp_path / "sweep.sqlite")
    db.execute("UPDATE runs SET status='failed', error='boom', summary=NULL")
    db.commit()
    db.close()
    out = cli("sweep", str(path), "--quiet")
    assert out.returncode == 1 and "failed: boom" in out.stderr
    out = cli("sweep", str(path), "--quiet", "--retry-failed")
    assert out.returncode == 0 and "1 done" in out.stdout
