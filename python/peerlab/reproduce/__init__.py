"""`peerlab reproduce`: the reproduction gallery (docs/gallery.md).

    peerlab reproduce --list
    peerlab reproduce NAME [--quick] [--out DIR] [--workers N | --dask ADDRESS] [--quiet]

Each entry lives in its own module here and registers itself in ENTRIES; core.py has the
machinery (comparisons, tolerances, output files).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .core import Comparison, Context, Entry, Outcome, run_entry  # noqa: F401

# Module per entry, in the order --list shows them.
_MODULES = [
    "eyal_sirer_2014",
    "sapirshtein_2016",
    "nayak_2016",
    "nakamoto_2008",
    "rosenfeld_2014",
    "gervais_2016",
    "decker_wattenhofer_2013",
    "nagayama_2019",
    "heilman_2015",
    "apostolaki_2017",
    "miller_2013",
    "cometbft_qa_v1",
]


def entries() -> dict[str, Entry]:
    """Every entry whose module is present, by name, in gallery order."""
    out = {}
    for module in _MODULES:
        try:
            mod = importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as e:
            if e.name == f"{__name__}.{module}":
                continue  # not written yet
            raise
        out[mod.ENTRY.name] = mod.ENTRY
    return out


USAGE = """\
Usage: peerlab reproduce --list
       peerlab reproduce NAME [--quick] [--out DIR] [--workers N | --dask ADDRESS] [--quiet]

Regenerates a published result with peerlab and sets it beside the paper's numbers
(docs/gallery.md). Writes DIR/NAME/: figure.png and figure.svg, table.csv, comparison.json
(each published number: its value and source, peerlab's value, the tolerance and how it was
derived, pass or fail) and runs.sqlite, the sweep store: running the same command again
resumes, finished runs are not repeated.

Options:
  --list            every entry with its citation
  --quick           a small version of the entry (about a minute on one core)
  --out DIR         output directory (default: reproduce-out)
  --workers N       local worker processes (default: all cores)
  --dask ADDRESS    run on a Dask cluster, e.g. tcp://10.0.0.5:8786
  --quiet           no progress bars
  -h, --help        this help

Exit status: 0 every comparison passed, 1 some comparison failed, 2 bad input.
"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="peerlab reproduce", add_help=False)
    parser.add_argument("name", nargs="?")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="reproduce-out")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--dask")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("-h", "--help", action="store_true")
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        return 2
    if args.help:
        sys.stdout.write(USAGE)
        return 0
    known = entries()
    if args.list:
        for e in known.values():
            print(f"{e.name:<26} {e.summary}\n{'':<26} {e.citation}")
        return 0
    if not args.name:
        sys.stderr.write("peerlab reproduce: give an entry NAME or --list\n")
        return 2
    if args.name not in known:
        sys.stderr.write(f"peerlab reproduce: unknown entry `{args.name}` (known: "
                         f"{', '.join(known)})\n")
        return 2
    if args.workers is not None and args.workers < 1:
        sys.stderr.write("peerlab reproduce: --workers: expected an integer >= 1\n")
        return 2
    if args.workers is not None and args.dask:
        sys.stderr.write("peerlab reproduce: --workers and --dask exclude each other\n")
        return 2
    out_dir = os.path.join(os.path.abspath(args.out), args.name)
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        sys.stderr.write(f"peerlab reproduce: --out {args.out}: cannot create {out_dir}: "
                         f"{e.strerror}\n")
        return 2
    executor = None
    if args.dask:
        try:
            from dask.distributed import Client
        except ImportError:
            sys.stderr.write("peerlab reproduce: --dask needs dask.distributed "
                             "(Debian: python3-distributed)\n")
            return 2
        try:
            executor = Client(args.dask, timeout="10s")
        except OSError as e:
            sys.stderr.write(f"peerlab reproduce: --dask {args.dask}: {e}\n")
            return 2
    entry = known[args.name]
    try:
        doc = run_entry(entry, os.path.abspath(args.out), args.quick, workers=args.workers,
                        executor=executor, progress=not args.quiet)
    finally:
        if executor is not None:
            executor.close()
    failed = [c for c in doc["comparisons"] if not c["passed"]]
    print(f"{entry.name}: {len(doc['comparisons']) - len(failed)} of "
          f"{len(doc['comparisons'])} comparisons pass ({doc['mode']}, {doc['wall_s']:.1f} s); "
          f"{out_dir}")
    for c in failed:
        print(f"  FAIL {c['quantity']}: peerlab {c['peerlab']} vs published {c['published']} "
              f"(tolerance {c['tolerance']:.4g})")
    return 0 if doc["passed"] else 1
