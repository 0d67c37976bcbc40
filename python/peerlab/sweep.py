"""Parameter sweeps: a design of parameter sets times seeds, run on any executor, recorded in
SQLite as each run finishes so that a killed sweep resumes without losing or redoing work.

The parent process is the only writer of the store; workers get plain strings (scenario text,
overrides) and return plain strings (summary and manifest JSON), so the same worker function
serves threads, processes and Dask workers, and the results do not depend on which ran them.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import itertools
import json
import math
import os
import random
import sys
import uuid

from . import pool
from .scenario import Scenario, load, merge_overrides, overrides_from
from .store import Store, flatten, run_key, sha256_text

_KINDS = ("uniform", "int", "choice")

# Runs (parameter sets x seeds) one sweep call may plan. The parent holds a row, a run key and
# finally a DataFrame row (with every flattened metric) per run, about 7 kB each while the
# table is built (measured: 634 MB more peak RSS for 100,000 rows of the default scenario's
# summary, docs/limits.md), so this keeps a sweep under about 0.7 GB; a larger study is
# several sweeps into one store (runs already stored are found, not redone).
MAX_RUNS = 100_000

# Test-only hook (tests/python/test_sweep_robust.py): when this variable holds one of a run's
# `--set` overrides (e.g. `network.nodes=61`), the worker process running it aborts (SIGABRT)
# instead of running it, standing in for a crash in the C++ core. Never set it otherwise.
TEST_ABORT_ENV = "PEERLAB_TEST_SWEEP_ABORT_ON"


def _too_many(what: str, n: int) -> ValueError:
    return ValueError(f"{what}: {n} runs, above the bound of {MAX_RUNS} runs per sweep "
                      "(split the study into several sweeps on one store)")


class RandomDesign:
    """`n` parameter sets drawn with `random.Random(seed)`, in `params` order each time.

    params: {key: ("uniform", lo, hi) | ("int", lo, hi) | ("choice", [values])}; "int" is
    inclusive at both ends (random.randint).
    """

    def __init__(self, n: int, params: dict, seed: int = 0):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"RandomDesign: n must be a positive integer, got {n!r}")
        if n > MAX_RUNS:
            raise _too_many(f"RandomDesign: n = {n} parameter sets", n)
        self.n, self.seed, self.params = n, seed, {}
        for key, spec in params.items():
            if not isinstance(spec, (tuple, list)) or not spec or spec[0] not in _KINDS:
                raise ValueError(f"RandomDesign: {key}: expected (kind, ...) with kind one of "
                                 f"{', '.join(_KINDS)}, got {spec!r}")
            kind = spec[0]
            if kind == "choice":
                if len(spec) != 2 or not isinstance(spec[1], (list, tuple)) or not spec[1]:
                    raise ValueError(f"RandomDesign: {key}: expected ('choice', [values...])")
            else:
                if len(spec) != 3:
                    raise ValueError(f"RandomDesign: {key}: expected ('{kind}', lo, hi)")
                lo, hi = spec[1], spec[2]
                numeric = (int,) if kind == "int" else (int, float)
                if any(isinstance(v, bool) or not isinstance(v, numeric) for v in (lo, hi)):
                    raise ValueError(f"RandomDesign: {key}: {kind} bounds must be "
                                     f"{'integers' if kind == 'int' else 'numbers'}")
                if lo > hi or (kind == "uniform" and not (math.isfinite(lo) and math.isfinite(hi))):
                    raise ValueError(f"RandomDesign: {key}: need finite lo <= hi, got {lo}, {hi}")
            self.params[key] = tuple(spec)

    def __iter__(self):
        """The parameter sets one at a time (the same sequence as points())."""
        rng = random.Random(self.seed)
        for _ in range(self.n):
            point = {}
            for key, spec in self.params.items():
                if spec[0] == "uniform":
                    point[key] = rng.uniform(spec[1], spec[2])
                elif spec[0] == "int":
                    point[key] = rng.randint(spec[1], spec[2])
                else:
                    point[key] = rng.choice(list(spec[1]))
            yield point

    def points(self) -> list[dict]:
        return list(self)

    def __repr__(self):
        return f"RandomDesign({self.n}, {self.params!r}, seed={self.seed!r})"


def design_points(params) -> list[dict]:
    """The parameter sets of a grid dict (cartesian product, last key fastest), a list of dicts
    or a RandomDesign, in the order the sweep reports them."""
    return list(_iter_design(params))


def _iter_design(params):
    """design_points one at a time, after checking the size (at most MAX_RUNS) up front, so a
    huge design is refused before anything is built."""
    if params is None:
        points = iter([{}])
    elif isinstance(params, RandomDesign):
        points = iter(params)  # its size was checked when it was made
    elif isinstance(params, dict):
        size = 1
        for key, values in params.items():
            if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__len__") \
                    or len(values) == 0:
                raise ValueError(f"grid: {key}: expected a non-empty list of values, "
                                 f"got {values!r}")
            size *= len(values)
        if size > MAX_RUNS:
            raise _too_many(f"grid: {size} parameter sets", size)
        keys = list(params)
        points = (dict(zip(keys, combo)) for combo in itertools.product(*params.values()))
    elif isinstance(params, (list, tuple)):
        if len(params) > MAX_RUNS:
            raise _too_many(f"runs: {len(params)} parameter sets", len(params))
        points = _checked_runs(params)
    else:
        raise TypeError("params: expected a grid dict, a list of dicts or a RandomDesign, "
                        f"got {type(params).__name__}")
    for point in points:
        if "seed" in point:
            raise ValueError("params: `seed` is set by seeds=, not as a parameter")
        yield {k: _plain(v) for k, v in point.items()}


def _checked_runs(params):
    for i, point in enumerate(params):
        if not isinstance(point, dict):
            raise ValueError(f"runs[{i}]: expected a dict of overrides, got {point!r}")
        yield point


def _plain(value):
    """numpy scalars and tuples as Python scalars and lists: a grid from np.arange gets the
    same run keys (JSON) as one typed by hand."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def seed_list(seeds) -> list[int]:
    if isinstance(seeds, bool):
        raise TypeError(f"seeds: expected an int or ints, got {seeds!r}")
    if hasattr(seeds, "item") and not hasattr(seeds, "__iter__"):
        seeds = seeds.item()
    if isinstance(seeds, int):
        if seeds < 1:
            raise ValueError(f"seeds: expected a count >= 1, got {seeds}")
        if seeds > MAX_RUNS:
            raise _too_many(f"seeds: {seeds} seeds", seeds)
        return list(range(1, seeds + 1))
    out = []
    for s in seeds:  # an iterable may be endless: stop one past the bound
        if len(out) == MAX_RUNS:
            raise _too_many(f"seeds: more than {MAX_RUNS} seeds", MAX_RUNS + 1)
        s = s.item() if hasattr(s, "item") else s
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise ValueError(f"seeds: expected integers >= 0, got {s!r}")
        out.append(s)
    if not out:
        raise ValueError("seeds: empty")
    return out


def _run_one(text: str, label: str, base_dir: str, overrides: list[str]):
    """Worker: one run, its outcome as plain strings. Never raises for a failed run, so the
    parent can tell a deterministic failure (stored) from an executor breakdown (not stored)."""
    import _peerlab

    if os.environ.get(TEST_ABORT_ENV) in overrides:
        os.abort()
    # A sweep runs several runs at once: each on one thread unless the run asks for more
    # (engine.threads never changes results, only how fast one run goes).
    if not any(o.startswith("engine.threads=") for o in overrides):
        overrides = [*overrides, "engine.threads=1"]
    try:
        raw = _peerlab.run(text, label, base_dir, overrides, "")
        return ("ok", None, raw["summary_json"], raw["manifest_json"])
    except _peerlab.ScenarioError as e:
        return ("failed", str(e), None, None)
    except Exception as e:  # noqa: BLE001 - every failure is recorded, none stops the sweep
        return ("failed", f"{type(e).__name__}: {e}", None, None)


def _is_dask_client(executor) -> bool:
    return (type(executor).__module__.split(".")[0] == "distributed"
            and hasattr(executor, "submit") and hasattr(executor, "gather"))


def _executor_name(executor) -> str:
    if executor is None:
        return "peerlab process pool (default)"
    if _is_dask_client(executor):
        return f"dask {getattr(executor.scheduler, 'address', '?')}"
    return type(executor).__name__


class _Progress:
    """tqdm bar on stderr with done/failed/remaining; a no-op when disabled."""

    def __init__(self, total: int, skipped: int, enabled: bool):
        self.done = self.failed = 0
        self.skipped, self.total = skipped, total
        self.bar = None
        if enabled and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="sweep", unit="run", file=sys.stderr,
                            dynamic_ncols=True)
            self._postfix()

    def _postfix(self):
        self.bar.set_postfix(done=self.done, failed=self.failed,
                             remaining=self.total - self.done - self.failed,
                             skipped=self.skipped, refresh=False)

    def step(self, ok: bool):
        if ok:
            self.done += 1
        else:
            self.failed += 1
        if self.bar is not None:
            self._postfix()
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _submit_all(executor, jobs):
    """Submit every job ([(key, args)]) now; return a generator of (key, outcome or exception)
    in completion order. Submitting before anything else (the progress bar's monitor thread)
    starts means a fork-based pool never forks a process with extra threads."""
    if _is_dask_client(executor):
        futures = {executor.submit(_run_one, *args, pure=False): key for key, args in jobs}
        return _drain_dask(executor, futures)
    with _main_not_rerun():  # process pools start their processes during submit
        futures = {executor.submit(_run_one, *args): key for key, args in jobs}
    return _drain(futures)


@contextlib.contextmanager
def _main_not_rerun():
    """Hide the parent's __main__ from multiprocessing while worker processes start.

    A spawned (or forkserver) worker runs the parent's main script again before it works, so
    a script calling sweep() without an `if __name__ == "__main__":` guard would start a sweep
    in every worker, which multiprocessing refuses and every run is lost. The worker function
    is in this module, so the workers never need __main__: without its __file__ and __spec__
    multiprocessing leaves it alone (as for `python -c` or an interactive session).
    """
    main = sys.modules.get("__main__")
    saved = {k: getattr(main, k) for k in ("__file__", "__spec__") if hasattr(main, k)}
    try:
        if "__file__" in saved:
            del main.__file__
        if "__spec__" in saved:
            main.__spec__ = None
        yield
    finally:
        for key, value in saved.items():
            setattr(main, key, value)


def _drain(futures):
    try:
        for fut in cf.as_completed(futures):
            try:
                yield futures[fut], fut.result()
            except Exception as e:  # noqa: BLE001 - e.g. BrokenProcessPool
                yield futures[fut], e
    finally:
        for fut in futures:
            fut.cancel()


def _drain_dask(client, futures):
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    try:
        for fut in as_completed(list(futures)):
            try:
                yield futures[fut], fut.result()
            except KilledWorker as e:
                # The scheduler saw this task on every worker that died under it, more than
                # distributed.scheduler.allowed-failures times: Dask's verdict that the run
                # kills its worker, so it is recorded like a crash in the default pool.
                yield futures[fut], ("failed", f"worker died: dask KilledWorker: {e}", None, None)
            except Exception as e:  # noqa: BLE001 - a lost worker, not the run's fault
                yield futures[fut], e
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)


def _huge_pages_env() -> dict:
    """Environment additions that give the default pool's workers huge pages for their heap
    (docs/performance.md, "Huge pages"), as `peerlab run` does: glibc reads its tunables only
    when a process starts. A user's own glibc.malloc.hugetlb setting (e.g. =0) is kept."""
    before = os.environ.get("GLIBC_TUNABLES")
    if before is not None and "glibc.malloc.hugetlb" in before:
        return {}
    return {"GLIBC_TUNABLES": (before + ":" if before else "") + "glibc.malloc.hugetlb=1"}


def _default_pool(workers: int | None, jobs):
    """The default executor (peerlab/pool.py): fresh worker processes (nothing of the parent's
    threads or state), one run each at a time, so a run that kills its worker is recorded as
    failed and the others go on; the workers die with this process."""
    n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    return pool.run_jobs(jobs, n, pool.worker_env(_huge_pages_env()))


def sweep(scenario, params=None, seeds=1, executor=None, store="sweep.sqlite",
          progress: bool = True, retry_failed: bool = False, workers: int | None = None):
    """Run `scenario` for every parameter set of `params` and every seed; returns a DataFrame.

    scenario: a Scenario or a path. params: grid {key: [values]}, list of {key: value} or a
    RandomDesign. seeds: N (seeds 1..N) or an iterable of ints. executor: None (a process pool
    of `workers`, default all cores), any concurrent.futures.Executor, or a dask Client.
    store: SQLite file; runs already in it (ok or failed) are not run again, unless
    retry_failed for failed ones. Rows come in design order (parameter set, then seed), with
    columns: the parameter keys, seed, status, error, then the numeric summary flattened to
    dotted names. `df.attrs` has store, session, run_keys and counts (done/failed/skipped).
    """
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    points = design_points(params)
    seeds = seed_list(seeds)
    if len(points) * len(seeds) > MAX_RUNS:
        raise _too_many(f"sweep: {len(points)} parameter sets x {len(seeds)} seeds",
                        len(points) * len(seeds))
    text_sha = sha256_text(scenario.text)
    base = list(scenario.overrides)
    param_overrides = [overrides_from(p) for p in points]  # type errors surface before any run

    rows = []  # (point index, seed, key) in design order
    jobs_by_key = {}
    for i, point in enumerate(points):
        for seed in seeds:
            key = run_key(text_sha, base, point, seed)
            rows.append((i, seed, key))
            if key not in jobs_by_key:
                overrides = merge_overrides(base, param_overrides[i] + [f"seed={seed}"])
                jobs_by_key[key] = (i, seed, overrides)

    store_path = os.path.abspath(os.fspath(store))
    session = uuid.uuid4().hex
    outcomes = {}  # key -> (status, error, summary_json)
    counts = {"done": 0, "failed": 0, "skipped": 0, "lost": 0}
    with Store(store_path) as db:
        for key, row in db.existing(jobs_by_key).items():
            if row["status"] == "failed" and retry_failed:
                continue
            outcomes[key] = (row["status"], row["error"], row["summary"])
        todo = [k for k in jobs_by_key if k not in outcomes]
        counts["skipped"] = len(jobs_by_key) - len(todo)
        db.start_session(session, scenario.label, text_sha, base, len(todo),
                         _executor_name(executor))
        if todo:
            jobs = [(k, (scenario.text, scenario.label, scenario.base_dir, jobs_by_key[k][2]))
                    for k in todo]
            finished = bar = None
            try:
                finished = (_default_pool(workers, jobs) if executor is None
                            else _submit_all(executor, jobs))
                bar = _Progress(len(todo), counts["skipped"], progress)
                for key, outcome in finished:
                    i, seed, _ = jobs_by_key[key]
                    if isinstance(outcome, BaseException):
                        # The executor lost the run (a dead worker, a broken pool): not a
                        # property of the run, so it is reported but not stored.
                        outcomes[key] = ("failed", f"not stored: {type(outcome).__name__}: "
                                         f"{outcome}", None)
                        counts["lost"] += 1
                        bar.step(False)
                        continue
                    status, error, summary_json, manifest_json = outcome
                    db.record(key, text_sha, base, points[i], seed, session, status, error,
                              summary_json, manifest_json)
                    outcomes[key] = (status, error, summary_json)
                    counts["done" if status == "ok" else "failed"] += 1
                    bar.step(status == "ok")
            finally:
                if finished is not None:
                    finished.close()  # cancels what has not started, now rather than at GC
                if bar is not None:
                    bar.close()
    return _frame(points, rows, outcomes,
                  {"store": store_path, "session": session, "counts": counts})


def _frame(points, rows, outcomes, attrs):
    import pandas as pd

    param_cols = list(dict.fromkeys(k for p in points for k in p))
    records, metric_cols, flat_cache = [], {}, {}
    for i, seed, key in rows:
        status, error, summary_json = outcomes[key]
        if key not in flat_cache:
            flat_cache[key] = flatten(json.loads(summary_json)) if summary_json else {}
        record = {k: points[i].get(k) for k in param_cols}
        record.update(seed=seed, status=status, error=error)
        for name, value in flat_cache[key].items():
            if name not in record or name in metric_cols:
                metric_cols.setdefault(name, None)
                record[name] = value
        records.append(record)
    columns = param_cols + ["seed", "status", "error"] + list(metric_cols)
    df = pd.DataFrame.from_records(records, columns=columns)
    df.attrs.update(attrs)
    df.attrs["run_keys"] = [key for _, _, key in rows]
    return df
