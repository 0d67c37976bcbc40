"""The reproduction gallery's machinery: entries, comparisons, tolerances and output files.

An entry regenerates one published result with peerlab's own scenarios and strategies (the
shipped scenarios under `scenarios/`, varied with `with_` and swept with `peerlab.sweep`, the
same engine a user drives) and sets each published number beside peerlab's. It writes
`OUT/NAME/`: `figure.png` and `figure.svg`, `table.csv`, `comparison.json`, and the sweep
store `runs.sqlite` (a second invocation resumes: finished runs are not repeated).

A comparison passes when |peerlab - published| <= tolerance. Tolerances are derived, never
chosen to pass: `z` standard errors of peerlab's estimate from its sample (binomial for a
proportion, the standard error of the mean over seeds or batches otherwise) plus, where the
paper's model is not the simulated network, a model term stated with its reason. A published
number that no citable source gives is not compared: the entry says so (`missing`) and compares
with theory instead.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from typing import Callable, Iterable

# Standard errors in a tolerance. Three: a correct model fails one comparison in about 370
# by chance, so a gallery of a few dozen comparisons passes in full with high probability.
Z = 3.0

def scenario_path(name: str) -> str:
    """A shipped scenario by file name (`selfish-mining.yaml`), in the checkout or, after a pip
    install, in the package."""
    from ..scenario import shipped_scenario

    return shipped_scenario(name)


def binomial_se(p: float, n: int) -> float:
    """Standard error of a proportion p estimated from n trials (at least that of one success
    in n + 1, so that an estimate of exactly 0 or 1 still has a width)."""
    if n <= 0:
        return math.inf
    p_floor = 1.0 / (n + 1)
    p = min(max(p, p_floor), 1 - p_floor)
    return math.sqrt(p * (1 - p) / n)


def mean_se(values: Iterable[float]) -> float:
    """Standard error of the mean of independent estimates (seeds, or batch means)."""
    xs = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if len(xs) < 2:
        return math.inf
    m = sum(xs) / len(xs)
    var = sum((x - m) ** 2 for x in xs) / (len(xs) - 1)
    return math.sqrt(var / len(xs))


@dataclasses.dataclass
class Comparison:
    """One published number beside peerlab's."""

    quantity: str              # what is compared, with its parameters: "revenue, alpha=0.3, gamma=0"
    published: float | None    # None: no citable source gives it (then `missing` says why)
    source: str                # where the number is: paper, table or figure, page
    peerlab: float | None      # peerlab's estimate (None: the runs gave none)
    tolerance: float           # |peerlab - published| must not exceed it
    derivation: str            # how the tolerance was derived: "3 x binomial SE (n=1200) + ..."
    unit: str = ""
    missing: str = ""          # why there is no published value (compared with theory instead)
    note: str = ""             # what differs between the paper's setting and the run

    @property
    def passed(self) -> bool:
        if self.published is None:
            return bool(self.missing)  # a missing number is reported (with why), never failed
        if self.peerlab is None or math.isnan(self.peerlab):
            return False
        return abs(self.peerlab - self.published) <= self.tolerance

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d["passed"] = self.passed
        d["difference"] = (None if self.published is None or self.peerlab is None
                           else self.peerlab - self.published)
        return d


def tolerance(se: float, model: float = 0.0, model_reason: str = "", what: str = "SE",
              z: float = Z) -> tuple[float, str]:
    """z standard errors plus a model term; returns (tolerance, derivation text)."""
    tol = z * se + model
    text = f"{z:g} x {what} ({se:.4g})"
    if model:
        text += f" + model term {model:.4g} ({model_reason})"
    return tol, text


@dataclasses.dataclass
class Outcome:
    """What an entry's analysis returns."""

    table: "object"                 # a pandas DataFrame, written as table.csv
    comparisons: list[Comparison]
    figure: "object"                # a matplotlib Figure
    notes: list[str] = dataclasses.field(default_factory=list)


class Context:
    """What an entry's `run` gets: the mode and a sweep bound to the entry's store."""

    def __init__(self, out_dir: str, quick: bool, workers: int | None, executor, progress: bool):
        self.out_dir = out_dir
        self.quick = quick
        self.workers = workers
        self.executor = executor
        self.progress = progress

    def sweep(self, scenario, points, seeds):
        """peerlab.sweep with the entry's store (resumable) and the chosen executor."""
        import peerlab

        if isinstance(scenario, str):
            scenario = peerlab.load(scenario)
        store = os.path.join(self.out_dir, "runs.sqlite")
        return peerlab.sweep(scenario, points, seeds=seeds, executor=self.executor,
                             workers=self.workers, store=store, progress=self.progress)


@dataclasses.dataclass
class Entry:
    """A gallery entry. `run(ctx)` sweeps and returns an Outcome."""

    name: str
    title: str
    citation: str
    run: Callable[[Context], Outcome]
    summary: str = ""   # one line for --list


def write_outcome(entry: Entry, outcome: Outcome, out_dir: str, quick: bool,
                  wall_s: float) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    outcome.table.to_csv(os.path.join(out_dir, "table.csv"), index=False)
    outcome.figure.tight_layout()
    outcome.figure.savefig(os.path.join(out_dir, "figure.png"), dpi=110)
    outcome.figure.savefig(os.path.join(out_dir, "figure.svg"))
    doc = {
        "entry": entry.name,
        "title": entry.title,
        "citation": entry.citation,
        "mode": "quick" if quick else "full",
        "wall_s": round(wall_s, 3),
        "passed": all(c.passed for c in outcome.comparisons),
        "comparisons": [c.to_json() for c in outcome.comparisons],
        "notes": outcome.notes,
    }
    tmp = os.path.join(out_dir, "comparison.json.tmp")
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2, allow_nan=False, default=_json_default)
        f.write("\n")
    os.replace(tmp, os.path.join(out_dir, "comparison.json"))
    return doc


def _json_default(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "item"):  # numpy scalars
        return x.item()
    raise TypeError(f"not JSON: {type(x).__name__}")


def run_entry(entry: Entry, out_root: str, quick: bool, workers: int | None = None,
              executor=None, progress: bool = True) -> dict:
    out_dir = os.path.join(out_root, entry.name)
    os.makedirs(out_dir, exist_ok=True)
    started = time.monotonic()
    outcome = entry.run(Context(out_dir, quick, workers, executor, progress))
    for c in outcome.comparisons:  # non-finite values cannot go into JSON
        for field in ("published", "peerlab", "tolerance"):
            v = getattr(c, field)
            if v is not None:
                v = float(v)
                setattr(c, field, v if math.isfinite(v) else None if field != "tolerance" else 0.0)
    return write_outcome(entry, outcome, out_dir, quick, time.monotonic() - started)
