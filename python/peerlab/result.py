"""One simulation run from Python: `run`, its `Result`, `analyze`, and the theory formulas.

Tables stay CSV text until asked for: a sweep worker only needs the summary, and pandas is slow
to import, so nothing here imports it before a DataFrame property is read.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import types

import _peerlab

from .scenario import Scenario

# Columns holding hashes: read as text so an all-digit hash never becomes a number.
_TEXT_COLUMNS = {"id", "parent", "txid", "block", "hash", "block_id", "tx_id"}


def _frame(text: str):
    import pandas as pd

    if not text.strip():
        return pd.DataFrame()
    header = text.split("\n", 1)[0].split(",")
    dtype = {c: str for c in header if c in _TEXT_COLUMNS}
    return pd.read_csv(io.StringIO(text), dtype=dtype)


class Result:
    """What `peerlab run` produces, in memory: summary and manifest dicts, tables as DataFrames."""

    def __init__(self, scenario: Scenario, raw: dict, run_dir: str | None = None):
        self.scenario = scenario
        self._raw = dict(raw)
        self._cache: dict = {}
        self.run_dir = run_dir

    def _json(self, key):
        if key not in self._cache:
            self._cache[key] = json.loads(self._raw[key])
        return self._cache[key]

    def _table(self, key):
        if key not in self._cache:
            self._cache[key] = _frame(self._raw.get(key, ""))
        return self._cache[key]

    @property
    def summary(self) -> dict:
        return self._json("summary_json")

    @property
    def manifest(self) -> dict:
        """run.json: version, git commit, scenario hash, overrides, resolved scenario, perf."""
        return self._json("manifest_json")

    @property
    def seed(self) -> int:
        return self.summary["seed"]

    @property
    def blocks(self):
        return self._table("blocks_csv")

    @property
    def nodes(self):
        return self._table("nodes_csv")

    @property
    def edges(self):
        return self._table("edges_csv")

    @property
    def transactions(self):
        return self._table("transactions_csv")

    def save(self, directory) -> str:
        """Write the run directory (as `peerlab run --out`, but without GraphML and topology
        snapshots, which only `run(..., out=DIR)` writes); it must not exist yet."""
        directory = os.path.abspath(os.fspath(directory))
        if os.path.exists(directory):
            raise FileExistsError(f"{directory}: already exists")
        parent = os.path.dirname(directory)
        os.makedirs(parent, exist_ok=True)
        # Written beside the target and renamed, so a crash never leaves half a run directory.
        staging = tempfile.mkdtemp(prefix=".peerlab-save-", dir=parent)
        try:
            files = {"summary.json": "summary_json", "run.json": "manifest_json",
                     "blocks.csv": "blocks_csv", "nodes.csv": "nodes_csv",
                     "edges.csv": "edges_csv", "transactions.csv": "transactions_csv"}
            # Like `peerlab run --out`: the scenario's `outputs` choose the optional tables.
            outputs = self.scenario.resolved.get("outputs", ["summary", "blocks"])
            for name, key in files.items():
                text = self._raw.get(key, "")
                if key == "blocks_csv" and "blocks" not in outputs:
                    continue
                if key == "transactions_csv" and "transactions" not in outputs:
                    continue
                with open(os.path.join(staging, name), "w", encoding="utf-8") as f:
                    f.write(text)
            os.rename(staging, directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self.run_dir = directory
        return directory

    def __getstate__(self):
        return {"scenario": self.scenario, "_raw": self._raw, "run_dir": self.run_dir}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._cache = {}

    def __repr__(self):
        s = self.summary
        blocks = s.get("blocks", {})
        where = f" in {self.run_dir}" if self.run_dir else ""
        return (f"<Result {s.get('scenario')!r} seed {s.get('seed')}: {blocks.get('mined')} blocks, "
                f"stale rate {blocks.get('stale_rate')}{where}>")


def run(scenario: Scenario, seed: int | None = None, out=None,
        ignore_memory_estimate: bool = False) -> Result:
    """Run `scenario` (with `seed` instead of its own, if given); `out` also writes a run dir.

    The simulation runs with the GIL released, so threads can run several at once. A scenario
    whose estimated peak memory exceeds the memory available raises ScenarioError before
    anything is built, unless `ignore_memory_estimate` (like `peerlab run
    --ignore-memory-estimate`; docs/limits.md).
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"run() takes a Scenario (peerlab.load), got {type(scenario).__name__}")
    if seed is not None:
        scenario = scenario.with_(seed=int(seed))
    out_dir = os.path.abspath(os.fspath(out)) if out is not None else ""
    raw = _peerlab.run(scenario.text, scenario.label, scenario.base_dir, scenario.overrides,
                       out_dir, bool(ignore_memory_estimate))
    return Result(scenario, raw, out_dir or None)


class Analysis(dict):
    """analysis.json as a dict; `.report_md` is report.md's text, `.run_dir` where both are."""

    report_md: str = ""
    run_dir: str | None = None


def analyze(result_or_run_dir, threshold: float = 0.5) -> Analysis:
    """`peerlab analyze` on a run directory or a Result (saved to a temporary directory first,
    removed afterwards, when it has none)."""
    temp = None
    if isinstance(result_or_run_dir, Result):
        run_dir = result_or_run_dir.run_dir
        if run_dir is None:
            temp = tempfile.mkdtemp(prefix="peerlab-analyze-")
            run_dir = Result(result_or_run_dir.scenario, result_or_run_dir._raw).save(
                os.path.join(temp, "run"))
    else:
        run_dir = os.fspath(result_or_run_dir)
    try:
        analysis = Analysis(json.loads(_peerlab.analyze(run_dir, float(threshold))))
        with open(os.path.join(run_dir, "report.md"), encoding="utf-8") as f:
            analysis.report_md = f.read()
        analysis.run_dir = None if temp else run_dir
        return analysis
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


def _selfish_mining(alpha: float, gamma: float, optimal: bool = False,
                    max_fork_length: int = 94) -> dict:
    """Eyal & Sirer's SM1 revenue (closed form and their Markov chain solved numerically), and
    with optimal=True Sapirshtein et al.'s optimum (keys as `peerlab theory selfish-mining`)."""
    out = {"alpha": alpha, "gamma": gamma,
           "closed_form": _peerlab.eyal_sirer_revenue(alpha, gamma),
           "markov_chain": _peerlab.selfish_chain_revenue(alpha, gamma)}
    if optimal:
        out["optimal"] = _peerlab.optimal_selfish_revenue(alpha, gamma, max_fork_length)
        out["max_fork_length"] = max_fork_length
    return out


def _double_spend(q: float, z: int) -> dict:
    """Attacker success after z confirmations (keys as `peerlab theory double-spend`)."""
    return {"q": q, "z": z, "nakamoto": _peerlab.nakamoto_double_spend(q, z),
            "rosenfeld": _peerlab.rosenfeld_double_spend(q, z)}


theory = types.SimpleNamespace(
    selfish_mining=_selfish_mining,
    double_spend=_double_spend,
    eyal_sirer_revenue=_peerlab.eyal_sirer_revenue,
    optimal_selfish_revenue=_peerlab.optimal_selfish_revenue,
    optimal_selfish_policy=_peerlab.optimal_selfish_policy,
    nakamoto_double_spend=_peerlab.nakamoto_double_spend,
    rosenfeld_double_spend=_peerlab.rosenfeld_double_spend,
    double_spend_success=_peerlab.double_spend_success,
    selfish_chain_revenue=_peerlab.selfish_chain_revenue,
    stubborn_policy_revenue=_peerlab.stubborn_policy_revenue,
)
theory.__doc__ = "Closed forms and optima of docs/theory.md (see `peerlab theory`)."
