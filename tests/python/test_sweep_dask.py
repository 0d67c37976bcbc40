"""A sweep on a real Dask cluster: scheduler and two worker processes on loopback."""
import concurrent.futures as cf
import os
import sqlite3

import pandas as pd
import pytest

import peerlab
from peerlab.sweep import TEST_ABORT_ENV

distributed = pytest.importorskip("distributed")  # a Debian package set up by scripts/setup.sh

# distributed 2022.12 on Debian's tornado announces a deprecation on every cluster start.
pytestmark = pytest.mark.filterwarnings("ignore:make_current is deprecated:DeprecationWarning")

GRID = {"network.topology.outbound": [4, 8], "protocol.relay": ["headers", "compact"]}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_sweep_gives_the_same_results_as_local_threads(small, tmp_path, client):
    workers = client.run(os.getpid)
    assert len(workers) == 2 and os.getpid() not in workers.values()
    assert all(addr.startswith("tcp://127.0.0.1:") for addr in workers)

    df = peerlab.sweep(small, GRID, seeds=2, executor=client, store=tmp_path / "dask.sqlite",
                       progress=False)
    ref = peerlab.sweep(small, GRID, seeds=2, executor=cf.ThreadPoolExecutor(2),
                        store=tmp_path / "threads.sqlite", progress=False)
    assert (df["status"] == "ok").all() and len(df) == 8
    pd.testing.assert_frame_equal(df, ref)
    db = sqlite3.connect(tmp_path / "dask.sqlite")
    (executor,) = db.execute("SELECT executor FROM sessions").fetchone()
    db.close()
    assert executor.startswith("dask tcp://127.0.0.1:")
    # Resuming works the same on a cluster: nothing is submitted again.
    again = peerlab.sweep(small, GRID, seeds=2, executor=client, store=tmp_path / "dask.sqlite",
                          progress=False)
    assert again.attrs["counts"]["skipped"] == 8 and again.attrs["counts"]["done"] == 0


def test_dask_failing_run_is_recorded(small, tmp_path, client):
    df = peerlab.sweep(small, [{"network.nodes": 50}, {"stop.blocks": "many"}], seeds=[3],
                       executor=client, store=tmp_path / "f.sqlite", progress=False)
    assert df["status"].tolist() == ["ok", "failed"]
    assert df.loc[1, "error"].startswith("--set stop.blocks=many: stop.blocks:")
    assert df.attrs["counts"] == {"done": 1, "failed": 1, "skipped": 0, "lost": 0}


def test_dask_run_that_kills_its_workers_is_recorded(small, tmp_path, monkeypatch):
    # The test-only hook makes the worker running network.nodes=61 abort. One task per worker
    # at a time (saturation 1.0), so only the crashing task is on the workers that die; after
    # allowed-failures + 1 deaths the scheduler gives up on it (KilledWorker) and the sweep
    # stores it as failed, so a resume does not kill workers again.
    monkeypatch.setenv(TEST_ABORT_ENV, "network.nodes=61")
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.scheduler.worker-saturation": 1.0}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=":0",
                                           silence_logs=50)
        c = distributed.Client(cluster)
        try:
            design = [{"network.nodes": 60}, {"network.nodes": 61}, {"network.nodes": 62}]
            store = tmp_path / "crash.sqlite"
            df = peerlab.sweep(small, design, seeds=[1], executor=c, store=store,
                               progress=False)
            assert df["status"].tolist() == ["ok", "failed", "ok"]
            assert df.loc[1, "error"].startswith("worker died: dask KilledWorker:")
            assert df.attrs["counts"] == {"done": 2, "failed": 1, "skipped": 0, "lost": 0}
            again = peerlab.sweep(small, design, seeds=[1], executor=c, store=store,
                                  progress=False)
            assert again.attrs["counts"] == {"done": 0, "failed": 0, "skipped": 3, "lost": 0}
        finally:
            c.close()
            cluster.close()


def test_reproduce_on_dask_gives_the_local_numbers(tmp_path, client):
    """`peerlab reproduce NAME --dask ADDRESS` runs the entry's sweep on the cluster; the
    comparisons equal a local run's (runs are deterministic)."""
    import json

    from peerlab.reproduce import main

    address = client.scheduler_info()["address"]
    assert main(["rosenfeld-2014", "--quick", "--out", str(tmp_path / "dask"), "--quiet",
                 "--dask", address]) == 0
    assert main(["rosenfeld-2014", "--quick", "--out", str(tmp_path / "local"), "--quiet",
                 "--workers", "2"]) == 0
    dask_doc = json.loads((tmp_path / "dask" / "rosenfeld-2014" / "comparison.json").read_text())
    local_doc = json.loads((tmp_path / "local" / "rosenfeld-2014" / "comparison.json").read_text())
    assert [c["peerlab"] for c in dask_doc["comparisons"]] == \
        [c["peerlab"] for c in local_doc["comparisons"]]
    with sqlite3.connect(tmp_path / "dask" / "rosenfeld-2014" / "runs.sqlite") as db:
        executors = {row[0] for row in db.execute("SELECT executor FROM sessions")}
    assert any("dask" in e.lower() for e in executors), executors
