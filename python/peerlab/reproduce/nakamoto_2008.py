"""nakamoto-2008: double-spend success against confirmations z for an attacker with q = 0.1 and
0.3 of the hashrate, beside the table of Nakamoto's whitepaper (section 11, "Calculations").

The runs are scenarios/double-spend.yaml (`kind: double-spend`) with the attacker's hashrate,
the confirmations z and the give-up barrier `max_deficit` varied, and `premine: true`:
Nakamoto's race is "the attacker catches up from z blocks behind" while the merchant waits for
z blocks; the simulated attacker must publish a strictly longer chain, which with one block
mined before paying is the same race (Grunspan & Perez-Marco 2017; docs/theory.md). Each run
repeats attempts one after another (summary `adversaries.attacker.attempts`, `successes`); the
success rate pools the attempts of every seed, with its binomial standard error.

Two comparisons per simulated point:
  * against the exact probability of the simulated rules (`peerlab.theory.double_spend_success`,
    give-up barrier included): 3 binomial SE;
  * against Nakamoto's printed number: 3 binomial SE plus the model term
    |Nakamoto's formula - exact value of the simulated rules|, which is his approximation (the
    attacker's progress taken as Poisson with its mean, z q / p, instead of its negative
    binomial law) and the strategy's give-up barrier, computed, not fitted.
And every printed number of the table against the formula as implemented in peerlab.theory
(half a unit of the printed seventh decimal): that checks the formula, not the network.
"""
from __future__ import annotations

import math

from . import core

SOURCE = ("S. Nakamoto, \"Bitcoin: A Peer-to-Peer Electronic Cash System\" (2008), section 11 "
          "\"Calculations\", the tables after the C code (page 8)")
# Section 11's tables, as printed.
PRINTED = {
    0.1: {0: 1.0000000, 1: 0.2045873, 2: 0.0509779, 3: 0.0131722, 4: 0.0034552, 5: 0.0009137,
          6: 0.0002428, 7: 0.0000647, 8: 0.0000173, 9: 0.0000046, 10: 0.0000012},
    0.3: {0: 1.0000000, 5: 0.1773523, 10: 0.0416605, 15: 0.0101008, 20: 0.0024804,
          25: 0.0006132, 30: 0.0001522, 35: 0.0000379, 40: 0.0000095, 45: 0.0000024,
          50: 0.0000006},
}
# (q, z, max_deficit, blocks per seed): the barrier is far enough that the exact value of the
# simulated rules is within 1e-4 of the barrier-free one at q = 0.1 and 0.003 at q = 0.3 (where
# a farther barrier makes every attempt much longer); blocks are sized for about 2,500
# attempts per point over the seeds in full mode (about 300 in quick mode).
FULL = dict(seeds=4, points=[(0.1, 1, 6, 11000), (0.1, 2, 6, 11500), (0.1, 3, 6, 12000),
                             (0.3, 5, 10, 16000), (0.3, 10, 12, 20000)])
QUICK = dict(seeds=2, points=[(0.1, 1, 6, 2500), (0.1, 2, 6, 2500), (0.3, 5, 10, 3500)])
NODES = 40  # the shipped network is 100 nodes; propagation barely matters here, time does
NOTE = ("simulated on scenarios/double-spend.yaml with premine: true, 40 nodes; the attempt "
        "still running when a run stops is not counted")


def sweep_points(points, premine: bool):
    out = []
    for q, z, md, blocks in points:
        out.append({"groups.attacker.hashrate": q, "groups.honest.hashrate": round(1 - q, 10),
                    "groups.attacker.strategy.confirmations": z,
                    "groups.attacker.strategy.max_deficit": md,
                    "groups.attacker.strategy.premine": premine,
                    "stop.blocks": blocks, "network.nodes": NODES})
    return out


def pooled(ctx, points, seeds, premine: bool):
    """Runs the points; returns rows (q, z, max_deficit, attempts, successes, rate, runs)."""
    import peerlab

    scenario = peerlab.load(core.scenario_path("double-spend.yaml"))
    df = ctx.sweep(scenario, sweep_points(points, premine), seeds=seeds)
    ok = df[df["status"] == "ok"]
    Q, Z, MD = ("groups.attacker.hashrate", "groups.attacker.strategy.confirmations",
                "groups.attacker.strategy.max_deficit")
    rows = []
    for (q, z, md), grp in ok.groupby([Q, Z, MD]):
        n = int(grp["adversaries.attacker.attempts"].astype(float).sum())
        s = int(grp["adversaries.attacker.successes"].astype(float).sum())
        rows.append(dict(q=float(q), z=int(z), max_deficit=int(md), runs=len(grp), attempts=n,
                         successes=s, simulated=s / n if n else float("nan")))
    return rows


def against_exact(theory, r: dict):
    """A pooled row's simulated rate against the exact success probability of the simulated
    rules (barrier and premine included): returns (exact, binomial SE, comparison)."""
    q, z, md, n = r["q"], r["z"], r["max_deficit"], r["attempts"]
    exact = theory.double_spend_success(q, z, md, True)
    se = core.binomial_se(exact, n)
    tol, how = core.tolerance(se, what=f"binomial SE at the exact value (n={n} attempts)")
    return exact, se, core.Comparison(
        quantity=f"success rate, q={q:g}, z={z}, max_deficit={md}, premine",
        published=exact, source="exact value of the simulated rules: "
        "peerlab.theory.double_spend_success (docs/theory.md, Double spending)",
        peerlab=r["simulated"], tolerance=tol, derivation=how, note=NOTE)


def run(ctx: core.Context) -> core.Outcome:
    import pandas as pd
    from matplotlib.figure import Figure
    import peerlab

    theory = peerlab.theory
    p = QUICK if ctx.quick else FULL
    rows = pooled(ctx, p["points"], p["seeds"], premine=True)
    comparisons = []
    for r in rows:
        q, z, md, n = r["q"], r["z"], r["max_deficit"], r["attempts"]
        exact, se, comparison = against_exact(theory, r)
        r.update(binomial_se=se, exact_simulated_rules=exact,
                 nakamoto_formula=theory.nakamoto_double_spend(q, z),
                 nakamoto_printed=PRINTED[q].get(z), rosenfeld=theory.rosenfeld_double_spend(q, z))
        comparisons.append(comparison)
        if z in PRINTED[q]:
            model = abs(PRINTED[q][z] - exact)
            tol, how = core.tolerance(
                se, model, "Nakamoto's Poisson approximation of the attacker's progress and "
                f"the strategy's give-up barrier at {md} blocks: |printed - exact value of the "
                "simulated rules|", what=f"binomial SE (n={n})")
            comparisons.append(core.Comparison(
                quantity=f"success probability, q={q:g}, z={z}", published=PRINTED[q][z],
                source=SOURCE, peerlab=r["simulated"], tolerance=tol, derivation=how,
                note=NOTE + f"; exact value of the simulated rules {exact:.5f}, Rosenfeld's "
                f"(no barrier) {r['rosenfeld']:.5f}"))
    # The printed table against the formula as implemented (no simulation).
    for q, table in PRINTED.items():
        for z, printed in table.items():
            comparisons.append(core.Comparison(
                quantity=f"Nakamoto's formula in peerlab.theory, q={q:g}, z={z}",
                published=printed, source=SOURCE, peerlab=theory.nakamoto_double_spend(q, z),
                tolerance=5e-8, derivation="half a unit of the printed seventh decimal",
                note="the formula as implemented, not a simulation"))
    table = pd.DataFrame(rows)
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    for q, color in ((0.1, "C0"), (0.3, "C1")):
        zs = sorted(PRINTED[q])
        ax.semilogy(zs, [max(PRINTED[q][z], 1e-9) for z in zs], "s", mfc="none", color=color,
                    label=f"Nakamoto's table, q={q:g}")
        zz = list(range(0, max(zs) + 1))
        ax.semilogy(zz, [max(theory.rosenfeld_double_spend(q, z), 1e-9) for z in zz], "-",
                    lw=1, color=color, label=f"exact (Rosenfeld), q={q:g}")
        t = table[table.q == q]
        if len(t):
            ax.errorbar(t.z, t.simulated, yerr=core.Z * t.binomial_se, fmt="o", color=color,
                        label=f"peerlab, q={q:g}")
    ax.set_xlabel("confirmations z")
    ax.set_ylabel("attacker success probability")
    ax.set_ylim(1e-7, 1.5)
    ax.set_title("Double spending (Nakamoto 2008, section 11)")
    ax.legend(fontsize=7)
    notes = ["simulated points use premine: true, which is Nakamoto's race (catching up from z "
             "behind) stated as the strategy's rules; Nakamoto's numbers are compared with the "
             "difference between his approximation and the exact value of those rules as a "
             "model term"]
    return core.Outcome(table=table, comparisons=comparisons, figure=fig, notes=notes)


ENTRY = core.Entry(
    name="nakamoto-2008",
    title="Double-spend success against confirmations (Nakamoto's table)",
    citation="S. Nakamoto, \"Bitcoin: A Peer-to-Peer Electronic Cash System\", 2008, section 11",
    summary="double-spend success vs confirmations for q = 0.1 and 0.3 beside Nakamoto's table",
    run=run)
