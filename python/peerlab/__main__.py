"""`python3 -m peerlab sweep|reproduce ...` and the `peerlab` entry point of a pip install;
mostly `peerlab sweep SWEEP.yaml`, a sweep described in a file (docs/python.md).

Like the C++ CLI, every mistake in the input is one line `FILE:LINE: field: message` and exit
status 2, found before any run starts: the file is read through yaml.compose so each value keeps
its line, and every parameter set is validated against the scenario by the C++ parser.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import signal
import sqlite3
import sys
import time

import yaml

USAGE = """\
Usage: peerlab sweep SWEEP.yaml [--workers N] [--scheduler ADDR] [--store FILE] [--csv FILE]
                     [--retry-failed] [--quiet]

Runs a parameter sweep described in SWEEP.yaml (docs/python.md) and records every run in an
SQLite store as it finishes; running it again skips the runs already stored, so an interrupted
sweep resumes where it stopped.

Options:
  --workers N       local worker processes (default: SWEEP.yaml `workers`, else all cores)
  --scheduler ADDR  run on a Dask cluster, e.g. tcp://10.0.0.5:8786 (default: `scheduler`)
  --store FILE      SQLite store (default: `store`, else SWEEP.sqlite beside SWEEP.yaml)
  --csv FILE        also write the result table (one row per run) as CSV
  --retry-failed    run again the runs stored as failed
  --quiet           no progress bar
  -h, --help        this help

Exit status: 0 all runs ok, 1 some run failed, 2 bad input, 130 interrupted (SIGINT) or 143
terminated (SIGTERM) (finished runs are stored: run the same command again to resume).
"""

TOP_KEYS = ("scenario", "seeds", "grid", "runs", "random", "store", "workers", "scheduler")
DESIGNS = ("grid", "runs", "random")


class _Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where `1e-5` is a string; the scenario parser (YAML 1.2) reads a
    number, so the sweep file does too."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


class InputError(Exception):
    def __init__(self, node_or_line, field: str, message: str):
        line = node_or_line if isinstance(node_or_line, int) else node_or_line.start_mark.line + 1
        super().__init__(f"{line}: {field}: {message}")


def _value(node):
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _mapping(node, field: str) -> list:
    """(key string, key node, value node) of a mapping node; rejects other nodes and repeats."""
    if not isinstance(node, yaml.MappingNode):
        raise InputError(node, field, "expected a mapping")
    seen, out = {}, []
    for key_node, value_node in node.value:
        key = _value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
        name = f"{field}.{key}" if field else str(key)
        if not isinstance(key, str):
            raise InputError(key_node, field or "(top level)", "keys must be strings")
        if key in seen:
            raise InputError(key_node, name, f"repeated key (first at line {seen[key]})")
        seen[key] = key_node.start_mark.line + 1
        out.append((key, key_node, value_node))
    return out


def _sequence(node, field: str) -> list:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise InputError(node, field, "expected a non-empty list")
    return node.value


def _int(node, field: str, minimum: int) -> int:
    value = _value(node) if isinstance(node, yaml.ScalarNode) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(node, field, f"expected an integer >= {minimum}, got "
                         f"{_show(node)}")
    return value


def _number(node, field: str) -> float:
    value = _value(node) if isinstance(node, yaml.ScalarNode) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(node, field, f"expected a number, got {_show(node)}")
    return value


def _string(node, field: str) -> str:
    value = _value(node) if isinstance(node, yaml.ScalarNode) else None
    if not isinstance(value, str) or not value:
        raise InputError(node, field, f"expected a string, got {_show(node)}")
    return value


def _show(node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return f"`{node.value}`"
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"


def _bounded(node, field: str, runs: int, what: str) -> None:
    """A design of more runs than one sweep may plan (sweep.MAX_RUNS) is bad input."""
    from .sweep import MAX_RUNS

    if runs > MAX_RUNS:
        raise InputError(node, field, f"{what} = {runs} runs, above the bound of {MAX_RUNS} "
                         "runs per sweep (split the study into several sweeps on one store)")


def _param(node, field: str):
    """A parameter value: any YAML value the scenario parser could take after --set."""
    from .scenario import to_yaml

    value = _value(node)
    try:
        to_yaml(value)
    except TypeError as e:
        raise InputError(node, field, str(e)) from None
    return value


def _param_key(key: str, key_node, field: str):
    if key == "seed":
        raise InputError(key_node, field, "the seed is set by `seeds`, not as a parameter")


def _grid(node):
    """Parameter sets of a grid, each with the value node of every key (for error lines)."""
    import itertools

    axes, sizes = [], []
    for key, key_node, value_node in _mapping(node, "grid"):
        _param_key(key, key_node, f"grid.{key}")
        items = _sequence(value_node, f"grid.{key}")
        sizes.append(len(items))
        _bounded(node, "grid", math.prod(sizes), f"{' x '.join(map(str, sizes))} values")
        axes.append([(key, _param(v, f"grid.{key}[{j}]"), v, f"grid.{key}[{j}]")
                     for j, v in enumerate(items)])
    if not axes:
        raise InputError(node, "grid", "expected at least one parameter")
    return [({k: v for k, v, _, _ in combo}, {k: (n, f) for k, _, n, f in combo}, node)
            for combo in itertools.product(*axes)]


def _runs(node):
    out = []
    for i, run_node in enumerate(_sequence(node, "runs")):
        point, where = {}, {}
        for key, key_node, value_node in _mapping(run_node, f"runs[{i}]"):
            _param_key(key, key_node, f"runs[{i}].{key}")
            point[key] = _param(value_node, f"runs[{i}].{key}")
            where[key] = (value_node, f"runs[{i}].{key}")
        out.append((point, where, run_node))
    return out


def _random(node):
    from .sweep import RandomDesign

    fields = dict((k, (kn, vn)) for k, kn, vn in _mapping(node, "random"))
    for key, (key_node, _) in fields.items():
        if key not in ("samples", "seed", "params"):
            raise InputError(key_node, f"random.{key}",
                             "unknown key (expected samples, seed, params)")
    for key in ("samples", "params"):
        if key not in fields:
            raise InputError(node, f"random.{key}", "required key is missing")
    samples = _int(fields["samples"][1], "random.samples", 1)
    _bounded(fields["samples"][1], "random.samples", samples, f"{samples} samples")
    seed = _int(fields["seed"][1], "random.seed", 0) if "seed" in fields else 0
    specs, where = {}, {}
    params = _mapping(fields["params"][1], "random.params")
    if not params:
        raise InputError(fields["params"][1], "random.params", "expected at least one parameter")
    for key, key_node, spec_node in params:
        field = f"random.params.{key}"
        _param_key(key, key_node, field)
        spec = _mapping(spec_node, field)
        if len(spec) != 1 or spec[0][0] not in ("uniform", "int", "choice"):
            raise InputError(spec_node, field,
                             "expected one of {uniform: [lo, hi]}, {int: [lo, hi]}, "
                             "{choice: [values...]}")
        kind, _, args_node = spec[0]
        items = _sequence(args_node, f"{field}.{kind}")
        if kind == "choice":
            specs[key] = ("choice", [_param(v, f"{field}.choice[{j}]")
                                     for j, v in enumerate(items)])
        else:
            if len(items) != 2:
                raise InputError(args_node, f"{field}.{kind}", "expected [lo, hi]")
            read = (lambda n, f: _int(n, f, -2**63)) if kind == "int" else _number
            lo, hi = (read(n, f"{field}.{kind}[{j}]") for j, n in enumerate(items))
            if lo > hi:
                raise InputError(args_node, f"{field}.{kind}", f"lo {lo} is above hi {hi}")
            specs[key] = (kind, lo, hi)
        where[key] = (spec_node, field)
    return [(point, where, node) for point in RandomDesign(samples, specs, seed)]


def read_sweep_file(path: str) -> dict:
    """Everything SWEEP.yaml asks for, validated; raises InputError (without the file name)."""
    from . import load
    from .scenario import ScenarioError, read_input_text

    try:
        root = yaml.compose(read_input_text(path), Loader=_Loader)
    except OSError as e:
        raise InputError(1, "(file)", f"cannot read: {e.strerror}") from None
    except ScenarioError as e:  # not a regular file, too large, not UTF-8
        raise InputError(1, "(file)", str(e).split(": ", 1)[-1]) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        message = e.problem or "invalid YAML"
        raise InputError((mark.line + 1) if mark else 1, "(syntax)",
                         f"{message} ({e.context})" if e.context else message) from None
    except yaml.YAMLError as e:
        raise InputError(1, "(syntax)", str(e).replace("\n", " ")) from None
    if root is None:
        raise InputError(1, "(top level)", "empty file, expected a mapping")
    top = {}
    for key, key_node, value_node in _mapping(root, ""):
        if key not in TOP_KEYS:
            raise InputError(key_node, key, f"unknown key (expected one of {', '.join(TOP_KEYS)})")
        top[key] = (key_node, value_node)
    for key in ("scenario", "seeds"):
        if key not in top:
            raise InputError(root, key, "required key is missing")
    designs = sorted((k for k in DESIGNS if k in top), key=lambda k: top[k][0].start_mark.index)
    if not designs:
        raise InputError(root, "(top level)", "one of grid, runs, random is required")
    if len(designs) > 1:
        first = top[designs[0]][0].start_mark.line + 1
        raise InputError(top[designs[1]][0], designs[1],
                         f"only one of grid, runs, random may be given ({designs[0]} is at "
                         f"line {first})")

    here = os.path.dirname(os.path.abspath(path))
    spec = {}
    seeds_node = top["seeds"][1]
    if isinstance(seeds_node, yaml.SequenceNode):
        spec["seeds"] = [_int(n, f"seeds[{i}]", 0)
                         for i, n in enumerate(_sequence(seeds_node, "seeds"))]
        _bounded(seeds_node, "seeds", len(spec["seeds"]), f"{len(spec['seeds'])} seeds")
    else:
        spec["seeds"] = _int(seeds_node, "seeds", 1)
        _bounded(seeds_node, "seeds", spec["seeds"], f"{spec['seeds']} seeds")
    n_seeds = spec["seeds"] if isinstance(spec["seeds"], int) else len(spec["seeds"])
    spec["store"] = (os.path.join(here, _string(top["store"][1], "store")) if "store" in top
                     else os.path.splitext(os.path.abspath(path))[0] + ".sqlite")
    spec["workers"] = _int(top["workers"][1], "workers", 1) if "workers" in top else None
    spec["scheduler"] = _string(top["scheduler"][1], "scheduler") if "scheduler" in top else None

    scenario_node = top["scenario"][1]
    scenario_path = os.path.join(here, _string(scenario_node, "scenario"))
    try:
        scenario = load(os.path.relpath(scenario_path))
    except OSError as e:
        raise InputError(scenario_node, "scenario",
                         f"cannot read {scenario_path}: {e.strerror}") from None
    except ScenarioError as e:
        raise InputError(scenario_node, "scenario", str(e)) from None
    spec["scenario"] = scenario

    design_node = top[designs[0]][1]
    entries = {"grid": _grid, "runs": _runs, "random": _random}[designs[0]](design_node)
    _bounded(design_node, designs[0], len(entries) * n_seeds,
             f"{len(entries)} parameter sets x {n_seeds} seeds")
    # Check each parameter set now, so a typo fails in a second rather than as N failed runs.
    for point, where, point_node in entries:
        try:
            scenario.with_(point)
        except ScenarioError as e:
            message = str(e)
            culprit = next((k for k in point if message.startswith(f"--set {k}=")), None)
            node, field = where[culprit] if culprit else (point_node, designs[0])
            raise InputError(node, field, message) from None
    spec["design"] = [point for point, _, _ in entries]
    return spec


def _stop_on_sigterm() -> dict:
    """SIGTERM stops the sweep as Ctrl-C does (KeyboardInterrupt: the workers are killed,
    every finished run is already committed), instead of killing this process outright in
    the middle of whatever it does. Returns a dict that gets {"signal": SIGTERM} if it came."""
    seen = {}

    def handler(signum, frame):
        seen["signal"] = signum
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    return seen


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"peerlab sweep: {message} (see --help)", file=sys.stderr)
        sys.exit(2)

    def print_help(self, file=None):
        (file or sys.stdout).write(USAGE)


def sweep_main(argv) -> int:
    parser = _Parser(prog="peerlab sweep", add_help=True)
    parser.add_argument("file")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--scheduler")
    parser.add_argument("--store")
    parser.add_argument("--csv")
    parser.add_argument("--retry-failed", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error(f"--workers: expected an integer >= 1, got {args.workers}")
    try:
        spec = read_sweep_file(args.file)
    except InputError as e:
        print(f"{args.file}:{e}", file=sys.stderr)
        return 2

    from .pool import WorkerStartError
    from .sweep import sweep

    store = os.path.abspath(args.store) if args.store else spec["store"]
    scheduler = args.scheduler or spec["scheduler"]
    client = None
    if scheduler:
        try:
            from distributed import Client

            client = Client(scheduler, timeout=30)
        except Exception as e:  # noqa: BLE001 - any connection failure is one line
            print(f"peerlab sweep: cannot connect to Dask scheduler {scheduler}: {e}",
                  file=sys.stderr)
            return 1
    started = time.monotonic()
    stopped_by = _stop_on_sigterm()
    try:
        df = sweep(spec["scenario"], spec["design"], seeds=spec["seeds"], executor=client,
                   store=store, progress=not args.quiet, retry_failed=args.retry_failed,
                   workers=args.workers or spec["workers"])
    except KeyboardInterrupt:
        signum = stopped_by.get("signal", signal.SIGINT)
        print(f"peerlab sweep: {'terminated' if signum == signal.SIGTERM else 'interrupted'}; "
              f"finished runs are in {store}, run again to resume", file=sys.stderr)
        return 128 + signum
    except (sqlite3.DatabaseError, ValueError) as e:  # not a store, or another schema
        print(f"peerlab sweep: {store}: {e}", file=sys.stderr)
        return 2
    except WorkerStartError as e:  # the installation, not the input: nothing was stored
        print(f"peerlab sweep: {e}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # from here on there is nothing to stop
        if client is not None:
            client.close()
    elapsed = time.monotonic() - started
    if args.csv:
        df.to_csv(args.csv, index=False)
    counts = df.attrs["counts"]
    failed_rows = df[df["status"] != "ok"]
    print(f"sweep: {len(df)} runs ({len(spec['design'])} parameter sets x "
          f"{len(df) // max(1, len(spec['design']))} seed(s)): {counts['done']} done, "
          f"{counts['failed'] + counts['lost']} failed, {counts['skipped']} already stored, "
          f"in {elapsed:.1f} s; store: {store}")
    for error in list(dict.fromkeys(failed_rows["error"]))[:3]:
        print(f"failed: {error}", file=sys.stderr)
    return 1 if len(failed_rows) else 0


MAIN_USAGE = """\
Usage: peerlab sweep SWEEP.yaml [options]   a resumable parameter sweep stored in SQLite
                                            (peerlab sweep --help, docs/python.md)
       peerlab reproduce NAME|--list [...]  regenerate a published result beside the paper's
                                            numbers (peerlab reproduce --help, docs/gallery.md)
       peerlab --version

The Python package's commands: `python3 -m peerlab`, or `peerlab` in an environment where the
package was installed with pip. The C++ program build/release/peerlab has these two too and
every other command (run, check, analyze, theory, ...); from Python those are peerlab.run,
peerlab.analyze and peerlab.theory.
"""

# The C++ program's commands, named in the error for a user who meant it.
CPP_COMMANDS = ("run", "check", "testbed", "reference", "explore", "analyze", "wire", "theory")


def main(argv=None) -> int:
    """`python3 -m peerlab` and the `peerlab` entry point of a pip install."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        (sys.stdout if argv else sys.stderr).write(MAIN_USAGE)
        return 0 if argv else 2
    if argv[0] == "--version":
        import _peerlab

        print(f"peerlab {_peerlab.version} ({_peerlab.git_commit})")
        return 0
    if argv[0] == "reproduce":
        from .reproduce import main as reproduce_main

        return reproduce_main(argv[1:])
    if argv[0] == "sweep":
        return sweep_main(argv[1:])
    if argv[0] in CPP_COMMANDS:
        print(f"peerlab: `{argv[0]}` is a command of the C++ program (build/release/peerlab in "
              "a checkout); this Python peerlab has sweep and reproduce (see --help)",
              file=sys.stderr)
    else:
        print(f"peerlab: unknown command `{argv[0]}` (peerlab sweep|reproduce ...; see --help)",
              file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
