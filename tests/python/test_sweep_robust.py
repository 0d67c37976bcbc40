"""Sweeps under hostile input (issue 24): a run that kills its worker, a killed or terminated
`peerlab sweep`, and designs too large to plan."""
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

import peerlab
from conftest import ok_runs
from peerlab.sweep import MAX_RUNS, TEST_ABORT_ENV, RandomDesign, design_points, seed_list

DESIGN = [{"network.nodes": 60}, {"network.nodes": 61}, {"network.nodes": 62}]


def stored(store):
    db = sqlite3.connect(store)
    try:
        return {(json.loads(p)["network.nodes"], seed): (status, error, session, order)
                for p, seed, status, error, session, order in db.execute(
                    "SELECT params, seed, status, error, session, finished_order FROM runs")}
    finally:
        db.close()


def children(pid):
    """Pids of the live processes whose parent is `pid` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry))
    return out


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# ---- a run that kills its worker ---------------------------------------------------------

def test_a_crashing_run_is_stored_as_failed_and_the_others_finish(small, tmp_path, monkeypatch):
    store = tmp_path / "crash.sqlite"
    monkeypatch.setenv(TEST_ABORT_ENV, "network.nodes=61")  # that run's worker aborts
    before = set(children(os.getpid()))
    df = peerlab.sweep(small, DESIGN, seeds=2, workers=2, store=store, progress=False)
    assert df["status"].tolist() == ["ok", "ok", "failed", "failed", "ok", "ok"]
    assert df.attrs["counts"] == {"done": 4, "failed": 2, "skipped": 0, "lost": 0}
    for error in df.loc[2:3, "error"]:
        assert error.startswith("worker died: signal 6 (SIGABRT)"), error
    assert (df.loc[[0, 1, 4, 5], "blocks.mined"] == 8).all()
    rows = stored(store)
    assert len(rows) == 6
    assert {k: v[0] for k, v in rows.items()} == {
        (60, 1): "ok", (60, 2): "ok", (61, 1): "failed", (61, 2): "failed", (62, 1): "ok",
        (62, 2): "ok"}
    assert rows[(61, 1)][1] == df.loc[2, "error"]
    assert set(children(os.getpid())) <= before  # every worker, the replacements too, is gone

    # A resume runs nothing again (the crash is stored), whether the crash would recur or not.
    again = peerlab.sweep(small, DESIGN, seeds=2, workers=2, store=store, progress=False)
    assert again.attrs["counts"] == {"done": 0, "failed": 0, "skipped": 6, "lost": 0}
    assert again["error"].tolist() == df["error"].tolist()
    monkeypatch.delenv(TEST_ABORT_ENV)
    again = peerlab.sweep(small, DESIGN, seeds=2, workers=2, store=store, progress=False)
    assert again.attrs["counts"]["skipped"] == 6 and stored(store) == rows
    # Asked to, it retries the failed runs only.
    retried = peerlab.sweep(small, DESIGN, seeds=2, workers=2, store=store, progress=False,
                            retry_failed=True)
    assert retried.attrs["counts"] == {"done": 2, "failed": 0, "skipped": 4, "lost": 0}
    assert (retried["status"] == "ok").all()
    after = stored(store)
    assert all(after[k] == rows[k] for k in rows if k[0] != 61)


def test_every_worker_crashing_still_ends_the_sweep(small, tmp_path, monkeypatch):
    # One worker for four crashing runs: it is replaced after each, and the sweep ends.
    monkeypatch.setenv(TEST_ABORT_ENV, "network.nodes=61")
    df = peerlab.sweep(small, [{"network.nodes": 61}], seeds=4, workers=1,
                       store=tmp_path / "all.sqlite", progress=False)
    assert df["status"].tolist() == ["failed"] * 4
    assert df.attrs["counts"] == {"done": 0, "failed": 4, "skipped": 0, "lost": 0}


# ---- `peerlab sweep` killed or terminated ------------------------------------------------

SWEEP = """\
seeds: 6
workers: 2
grid:
  network.nodes: [200]
  stop.blocks: [20]
  network.topology.outbound: [6, 8]
"""


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
def test_stopped_sweep_leaves_no_process_and_resumes(root, tmp_path, signum):
    path = tmp_path / "stop.yaml"
    path.write_text(f"scenario: {root / 'scenarios' / 'default.yaml'}\n{SWEEP}")
    store = tmp_path / "stop.sqlite"
    # Output to a file, not a pipe: a worker left behind would hold a pipe open.
    log = tmp_path / "stderr.txt"
    with open(log, "w") as err_file:
        proc = subprocess.Popen([sys.executable, "-m", "peerlab", "sweep", str(path), "--quiet"],
                                stdout=subprocess.DEVNULL, stderr=err_file)
    try:
        deadline = time.monotonic() + 60
        while ok_runs(store) < 1 or len(children(proc.pid)) < 2:
            assert proc.poll() is None, f"sweep exited early: {log.read_text()}"
            assert time.monotonic() < deadline, "no run finished within 60 s"
            time.sleep(0.01)
        workers = children(proc.pid)
        proc.send_signal(signum)  # the sweep process alone, not its process group
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = log.read_text()
    if signum == signal.SIGTERM:
        assert proc.returncode == 143, err
        assert err.endswith(f"peerlab sweep: terminated; finished runs are in {store}, "
                            "run again to resume\n"), err
    else:
        assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = [p for p in workers if alive(p)]
    for p in left:  # do not leave them to the next test
        os.kill(p, signal.SIGKILL)
    assert not left, "worker processes outlived the sweep"

    # The store holds finished runs only and the same command completes the sweep.
    db = sqlite3.connect(store)
    done = db.execute("SELECT count(*) FROM runs").fetchone()[0]
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM runs WHERE status != 'ok'").fetchone()[0] == 0
    db.close()
    assert 1 <= done < 12, "the sweep finished before it was stopped"
    out = subprocess.run([sys.executable, "-m", "peerlab", "sweep", str(path), "--quiet"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"{12 - done} done, 0 failed, {done} already stored" in out.stdout


# ---- designs too large to plan -----------------------------------------------------------

def _limited():
    # Old code built these designs in memory (GBs); a limit turns that into a quick failure.
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


API = """
import itertools, sys, peerlab
from peerlab.sweep import RandomDesign
s = peerlab.load(sys.argv[1])
cases = {
    "seeds": lambda: peerlab.sweep(s, seeds=10**9, store=sys.argv[2], progress=False),
    "endless seeds": lambda: peerlab.sweep(s, seeds=itertools.count(), store=sys.argv[2],
                                           progress=False),
    "random": lambda: peerlab.sweep(s, RandomDesign(10**9, {"stop.blocks": ("int", 1, 9)}),
                                    store=sys.argv[2], progress=False),
    "grid": lambda: peerlab.sweep(s, {"a": range(1000), "b": range(1000), "c": range(1000)},
                                  store=sys.argv[2], progress=False),
    "product": lambda: peerlab.sweep(s, {"stop.blocks": list(range(1, 1001))}, seeds=1000,
                                     store=sys.argv[2], progress=False),
}
for name, call in cases.items():
    try:
        call()
        print(name, "ran")
    except ValueError as e:
        print(name, "ValueError", e)
"""


def test_api_refuses_designs_above_the_bound(root, tmp_path):
    out = subprocess.run([sys.executable, "-c", API, str(root / "scenarios" / "default.yaml"),
                          str(tmp_path / "big.sqlite")], capture_output=True, text=True,
                         timeout=60, preexec_fn=_limited)
    assert out.returncode == 0, out.stderr
    bound = f"above the bound of {MAX_RUNS} runs per sweep"
    assert out.stdout.splitlines() == [
        f"seeds ValueError seeds: 1000000000 seeds: 1000000000 runs, {bound} (split the study "
        "into several sweeps on one store)",
        f"endless seeds ValueError seeds: more than {MAX_RUNS} seeds: {MAX_RUNS + 1} runs, "
        f"{bound} (split the study into several sweeps on one store)",
        f"random ValueError RandomDesign: n = 1000000000 parameter sets: 1000000000 runs, "
        f"{bound} (split the study into several sweeps on one store)",
        f"grid ValueError grid: 1000000000 parameter sets: 1000000000 runs, {bound} (split "
        "the study into several sweeps on one store)",
        f"product ValueError sweep: 1000 parameter sets x 1000 seeds: 1000000 runs, {bound} "
        "(split the study into several sweeps on one store)"]
    assert not (tmp_path / "big.sqlite").exists()  # refused before the store is touched


def test_the_bound_itself_is_allowed():
    assert len(seed_list(MAX_RUNS)) == MAX_RUNS
    assert len(design_points({"a": range(100), "b": range(MAX_RUNS // 100)})) == MAX_RUNS
    d = RandomDesign(3, {"a": ("int", 0, 9)}, seed=1)
    assert list(d) == d.points() and len(d.points()) == 3
    with pytest.raises(ValueError, match="above the bound"):
        seed_list(MAX_RUNS + 1)
    with pytest.raises(ValueError, match="above the bound"):
        design_points([{}] * (MAX_RUNS + 1))


BIG_FILES = [
    ("seeds: 1000000000\nruns: [{}]\n",
     "2: seeds: 1000000000 seeds = 1000000000 runs, above the bound of 100000 runs per sweep "
     "(split the study into several sweeps on one store)"),
    ("seeds: 1\nrandom:\n  samples: 1000000000\n  params: {stop.blocks: {int: [2, 3]}}\n",
     "4: random.samples: 1000000000 samples = 1000000000 runs, above the bound"),
    ("seeds: 1\ngrid:\n  network.nodes: &v [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]\n"
     "  stop.blocks: *v\n  protocol.block_size: *v\n  network.topology.outbound: *v\n"
     "  network.topology.inbound: *v\n  protocol.validation.fixed: *v\n",
     "4: grid: 10 x 10 x 10 x 10 x 10 x 10 values = 1000000 runs, above the bound"),
    ("seeds: 1000\nrandom:\n  samples: 1000\n  params: {stop.blocks: {int: [2, 3]}}\n",
     "4: random: 1000 parameter sets x 1000 seeds = 1000000 runs, above the bound"),
]


@pytest.mark.parametrize("body, expected", BIG_FILES, ids=["seeds", "samples", "grid", "product"])
def test_cli_refuses_designs_above_the_bound(root, tmp_path, body, expected):
    path = tmp_path / "big.yaml"
    path.write_text(f"scenario: {root / 'scenarios' / 'default.yaml'}\n{body}")
    out = subprocess.run([sys.executable, "-m", "peerlab", "sweep", str(path)],
                         capture_output=True, text=True, timeout=60, preexec_fn=_limited)
    assert out.returncode == 2, out.stderr[-2000:]
    assert out.stdout == "" and out.stderr.count("\n") == 1, out.stderr[-2000:]
    assert out.stderr.startswith(f"{path}:{expected}"), out.stderr
    assert not (tmp_path / "big.sqlite").exists()
