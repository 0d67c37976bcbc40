"""decker-wattenhofer-2013: block propagation percentiles and their growth with block size under
settings of that era, beside Decker and Wattenhofer's measurement of the 2012 Bitcoin network.

Published (Decker & Wattenhofer, "Information propagation in the Bitcoin network", IEEE P2P
2013): the median and 90th percentile of the time for nodes to receive a block, 6.5 s and 26 s,
when the average block was 87 kB; above about 20 kB the delay grows linearly with the block's
size. The paper's own text could not be read here; these figures are as Croman et al. report
them ("On Scaling Decentralized Blockchains", FC 2016 workshops (BITCOIN'16), section 3.1
"Measurement Study": "the median and 90-percentile time for Bitcoin nodes to receive a
block was 6.5 seconds and 26 seconds respectively", "the average block size was 87KB", and
"for large enough blocks the block propagation times grew linearly with respect to the block
size"). The paper's per-kilobyte figure (its plot of delay per kB against size) is not in any
text we could read, so the slope is reported without a published value.

The runs: scenarios/bitcoin.yaml with full-block relay (`protocol.relay: legacy`, the inv /
getdata / block exchange of 2012-2013; compact blocks came in 2016) and SimBlock's
`simblock-2015` region table, the oldest bandwidth and latency table peerlab ships and the
closest to that era (the 2012 network was slower still), 6,000 nodes (Croman et al. count
about 4,500 to 6,300 full nodes in 2014-2015), block sizes swept from 20 kB to 500 kB. peerlab's
p50 / p90 are `propagation_s`: the median over blocks of the time from mining until 50 % / 90 %
of nodes have validated the block. The comparison is at 87 kB, the average block of the
measurement. Tolerances are 3 standard errors over seeds, with no model term.

How the measurement differs: Decker and Wattenhofer connected one monitoring client to many
nodes and timed each node's inv announcement of a block from the first announcement seen; their
percentiles pool every (block, node) pair. Timing from the first announcement leaves out the
time before any node announced (which would make their times shorter than ours, not longer),
and a node announces after validating, as peerlab's "validated" does. The real network had a
long tail of slow and overloaded nodes (the 26 s p90 against 6.5 s median) that a table of six
regions with one bandwidth per region does not produce.
"""
from __future__ import annotations

from . import core

FULL = dict(nodes=6000, blocks=50, seeds=5, sizes_kb=[20, 50, 87, 150, 250, 350, 500])
QUICK = dict(nodes=1000, blocks=10, seeds=3, sizes_kb=[20, 87, 200, 500])
AT_KB = 87
SOURCE = ("Decker & Wattenhofer 2013, as reported by Croman et al. 2016 (On Scaling "
          "Decentralized Blockchains), section 3.1 Measurement Study: median {} s, "
          "90th percentile {} s, average block 87 kB")
PUBLISHED = {"p50": 6.5, "p90": 26.0}
LINEAR_FROM_KB = 20  # growth is linear above about 20 kB (Croman et al. 2016, section 3.1)


def _fit(xs, ys):
    """Least-squares line y = a + b x; returns (a, b)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


def run(ctx: core.Context) -> core.Outcome:
    import pandas as pd
    from matplotlib.figure import Figure
    import peerlab

    p = QUICK if ctx.quick else FULL
    scenario = peerlab.load(core.scenario_path("bitcoin.yaml")).with_(
        {"network.nodes": p["nodes"], "stop.blocks": p["blocks"],
         "network.regions": "simblock-2015", "protocol.relay": "legacy"})
    points = [{"protocol.block_size": f"{kb} kB"} for kb in p["sizes_kb"]]
    df = ctx.sweep(scenario, points, seeds=p["seeds"])
    ok = df[df["status"] == "ok"]
    rows, per_seed = [], {}  # per_seed: seed -> [(kb, p50)]
    for kb in p["sizes_kb"]:
        sel = ok[ok["protocol.block_size"] == f"{kb} kB"]
        p50 = [float(v) for v in sel["propagation_s.p50"]]
        p90 = [float(v) for v in sel["propagation_s.p90"]]
        p99 = [float(v) for v in sel["propagation_s.p99"]]
        for s, v in zip(sel["seed"], p50):
            per_seed.setdefault(int(s), []).append((kb, v))
        rows.append(dict(block_kb=kb, seeds=len(p50), nodes=p["nodes"], blocks=p["blocks"],
                         p50_s=sum(p50) / len(p50), p50_se=core.mean_se(p50),
                         p90_s=sum(p90) / len(p90), p90_se=core.mean_se(p90),
                         p99_s=sum(p99) / len(p99), p99_se=core.mean_se(p99)))
    table = pd.DataFrame(rows)
    comparisons = []
    at = table[table.block_kb == AT_KB].iloc[0]
    for q in ("p50", "p90"):
        tol, how = core.tolerance(float(at[f"{q}_se"]), what=f"SE over {int(at.seeds)} seeds")
        comparisons.append(core.Comparison(
            quantity=f"{q} block propagation, {AT_KB} kB blocks", published=PUBLISHED[q],
            source=SOURCE.format(PUBLISHED["p50"], PUBLISHED["p90"]), peerlab=float(at[f"{q}_s"]),
            tolerance=tol, derivation=how, unit="s",
            note="simblock-2015 tables (closest era), legacy relay, TCP flow links; 2012 "
                 "nodes were slower and had a long tail of overloaded nodes that six regions "
                 "with one bandwidth each do not produce"))
    # Growth per kB: slope of p50 against size above LINEAR_FROM_KB, fitted per seed.
    slopes = []
    for pts in per_seed.values():
        pts = [(kb, v) for kb, v in pts if kb >= LINEAR_FROM_KB]
        if len(pts) >= 2:
            slopes.append(1000.0 * _fit([x for x, _ in pts], [y for _, y in pts])[1])
    slope = sum(slopes) / len(slopes) if slopes else float("nan")
    slope_se = core.mean_se(slopes)
    tol, how = core.tolerance(slope_se, what=f"SE of the per-seed slope over {len(slopes)} seeds")
    # The line through the mean point with the per-seed slope (what the figure draws).
    intercept = float(table.p50_s.mean()) - slope / 1000.0 * float(table.block_kb.mean())
    comparisons.append(core.Comparison(
        quantity=f"growth of p50 propagation with block size ({min(p['sizes_kb'])}-"
                 f"{max(p['sizes_kb'])} kB, least squares)",
        published=None, source="Decker & Wattenhofer 2013, plot of delay per kB against size",
        peerlab=slope, tolerance=tol, derivation=how, unit="ms/kB",
        missing="the paper's per-kB figure is in its text and plot, which could not be read "
                "here; Croman et al. 2016 (section 3.1) report only that growth is linear "
                "above about 20 kB, which peerlab reproduces (see the figure's fit)",
        note=f"fit intercept {intercept:.2f} s"))
    table["p50_fit_s"] = [intercept + slope / 1000.0 * kb for kb in table.block_kb]

    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    for q, c in (("p50", "C0"), ("p90", "C1"), ("p99", "C2")):
        ax.errorbar(table.block_kb, table[f"{q}_s"], yerr=core.Z * table[f"{q}_se"], fmt="o-",
                    color=c, ms=4, lw=1, label=f"peerlab {q}")
    ax.plot(table.block_kb, table.p50_fit_s, color="C0", ls=":", lw=1,
            label=f"p50 fit: {slope:.1f} ms/kB")
    ax.plot([AT_KB], [PUBLISHED["p50"]], "s", color="C0", mfc="none", ms=8,
            label="Decker & Wattenhofer median (87 kB)")
    ax.plot([AT_KB], [PUBLISHED["p90"]], "s", color="C1", mfc="none", ms=8,
            label="Decker & Wattenhofer 90 %")
    ax.set_xlabel("block size (kB)")
    ax.set_ylabel("time until the share of nodes has the block (s)")
    ax.set_title(f"Block propagation, 2015 tables, legacy relay, {p['nodes']} nodes", fontsize=9)
    ax.legend(fontsize=7)
    return core.Outcome(table=table, comparisons=comparisons, figure=fig)


ENTRY = core.Entry(
    name="decker-wattenhofer-2013",
    title="Block propagation percentiles and their growth with block size",
    citation="C. Decker, R. Wattenhofer, \"Information propagation in the Bitcoin network\", "
             "IEEE P2P 2013",
    summary="p50/p90/p99 propagation vs block size (legacy relay, 2015 tables); 6.5 s / 26 s",
    run=run)
