#!/usr/bin/python3
"""Runs the cross-validation matrix of docs/ns3-validation.md and prints its tables.

Each cell is ns3/validation/flood.yaml with one relay, block size, node count and block
interval, run on the ns-3 backend and on the fast engine with each link model. A cell's run
directory is kept under OUT (default /tmp/peerlab-matrix): a finished run is not repeated, so
an interrupted matrix resumes where it stopped.

    ns3/validation/matrix.py [--peerlab build/release/peerlab] [--out DIR]
                             [--models fifo,shared,flow,ns3] [--nodes 300,1000]
                             [--sizes 1,2,4] [--relays legacy,compact] [--stale]
                             [--list] [--csv FILE]

Figures per cell: for each main-chain block, the time until 50, 90 and 99 % of nodes had
validated it (blocks.csv), then the median over blocks; stale blocks out of all mined. The
errors are the fast model's against ns-3, relative, in per cent.
"""
import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "flood.yaml")
# The short-interval runs of the page, where forks are common enough to compare stale rates.
STALE_CELLS = [("compact", 1, 300, "10 s", 100), ("legacy", 1, 300, "60 s", 30)]


def cells(args):
    out = []
    for nodes in args.nodes:
        for relay in args.relays:
            for size in args.sizes:
                out.append((relay, size, nodes, "600 s", 10))
    if args.stale:
        out.extend(STALE_CELLS)
    return out


def run_dir(args, model, cell):
    relay, size, nodes, interval, blocks = cell
    name = f"{model}-{relay}-{size}MB-{nodes}n-{interval.replace(' ', '')}-{blocks}b"
    return os.path.join(args.out, name)


def run_cell(args, model, cell):
    """Runs one cell unless its directory holds a finished run; returns its directory."""
    relay, size, nodes, interval, blocks = cell
    d = run_dir(args, model, cell)
    done = os.path.join(d, "matrix-done")
    if os.path.exists(done):
        return d
    backend = "ns3" if model == "ns3" else "fast"
    cmd = [args.peerlab, "run", SCENARIO, "--out", d, "--force", "--quiet",
           "--set", f"network.backend={backend}",
           "--set", f"network.nodes={nodes}",
           "--set", f"protocol.relay={relay}",
           "--set", f"protocol.block_size={size} MB",
           "--set", f"protocol.block_interval={interval}",
           "--set", f"stop.blocks={blocks}"]
    if model != "ns3":
        cmd += ["--set", f"network.link_model={model}"]
    print(" ".join(f"'{c}'" if " " in c else c for c in cmd), file=sys.stderr, flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    try:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    except FileNotFoundError:
        sys.exit(f"matrix.py: --peerlab: no such program: {args.peerlab}")
    except subprocess.CalledProcessError as e:
        sys.exit(f"matrix.py: run failed (exit status {e.returncode}); the partial run is in {d}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    with open(done, "w") as f:
        f.write(f"cpu_s {cpu:.1f}\nwall_s {time.monotonic() - start:.1f}\n")
    return d


def figures(d):
    with open(os.path.join(d, "blocks.csv")) as f:
        rows = list(csv.DictReader(f))
    main = [r for r in rows if r["main_chain"] == "true"]
    out = {"mined": len(rows), "stale": len(rows) - len(main)}
    for key, col in (("p50", "reach_50_s"), ("p90", "reach_90_s"), ("p99", "reach_99_s")):
        values = [float(r[col]) for r in main if r[col]]
        out[key] = statistics.median(values) if values else None
    cost = {}
    with open(os.path.join(d, "matrix-done")) as f:
        for line in f:
            k, v = line.split()
            cost[k] = float(v)
    out["cpu_s"] = cost.get("cpu_s")
    return out


def error(fast, ref):
    if fast is None or ref is None or ref == 0:
        return "n/a"
    return f"{100 * (fast - ref) / ref:+.0f} %"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--peerlab", default="build/release/peerlab")
    p.add_argument("--out", default="/tmp/peerlab-matrix")
    p.add_argument("--models", default="fifo,shared,flow,ns3")
    p.add_argument("--nodes", default="300,1000")
    p.add_argument("--sizes", default="1,2,4")
    p.add_argument("--relays", default="legacy,compact")
    p.add_argument("--stale", action="store_true", help="add the short-interval stale-rate cells")
    p.add_argument("--list", action="store_true", help="list the runs without running them")
    p.add_argument("--csv", help="also write every cell's figures to this file")
    args = p.parse_args()
    args.models = args.models.split(",")
    args.nodes = [int(n) for n in args.nodes.split(",")]
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.relays = args.relays.split(",")
    for m in args.models:
        if m not in ("fifo", "shared", "flow", "ns3"):
            p.error(f"--models: unknown model `{m}` (expected fifo, shared, flow, ns3)")
    os.makedirs(args.out, exist_ok=True)
    if args.list:
        for cell in cells(args):
            for model in args.models:
                print(run_dir(args, model, cell))
        return 0
    results = {}
    # Fast models first (seconds each), then ns-3 (minutes to an hour each).
    for model in sorted(args.models, key=lambda m: m == "ns3"):
        for cell in cells(args):
            results[(model, cell)] = figures(run_cell(args, model, cell))
    fast_models = [m for m in args.models if m != "ns3"]
    head = "| relay | block | nodes | interval | " + " | ".join(
        f"{m} p50 / p90 / p99" for m in args.models) + " | stale " + " / ".join(args.models) + " |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for cell in cells(args):
        relay, size, nodes, interval, blocks = cell
        parts = []
        for m in args.models:
            r = results[(m, cell)]
            parts.append(" / ".join("n/a" if r[k] is None else f"{r[k]:.2f}"
                                    for k in ("p50", "p90", "p99")))
        stale = " / ".join(f"{results[(m, cell)]['stale']}" for m in args.models)
        print(f"| {relay} | {size} MB | {nodes} | {interval}, {blocks} | " + " | ".join(parts) +
              f" | {stale} of {results[(args.models[0], cell)]['mined']} |")
    if "ns3" in args.models and fast_models:
        print()
        print("| relay | block | nodes | interval | " + " | ".join(
            f"{m} vs ns-3 p50 / p90 / p99" for m in fast_models) + " |")
        print("|" + "---|" * (4 + len(fast_models)))
        for cell in cells(args):
            relay, size, nodes, interval, blocks = cell
            ref = results[("ns3", cell)]
            parts = [" / ".join(error(results[(m, cell)][k], ref[k]) for k in ("p50", "p90", "p99"))
                     for m in fast_models]
            print(f"| {relay} | {size} MB | {nodes} | {interval}, {blocks} | " + " | ".join(parts) + " |")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["model", "relay", "block_mb", "nodes", "interval", "blocks", "p50_s",
                        "p90_s", "p99_s", "stale", "mined", "cpu_s"])
            for (m, cell), r in sorted(results.items()):
                w.writerow([m, *cell, r["p50"], r["p90"], r["p99"], r["stale"], r["mined"], r["cpu_s"]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
