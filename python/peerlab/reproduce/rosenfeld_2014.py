"""rosenfeld-2014: double-spend success against confirmations with one pre-mined block, beside
Rosenfeld's exact probability.

Rosenfeld, "Analysis of hashrate-based double spending" (2014, arXiv:1402.2009) gives the exact
success probability of an attacker with hashrate share q who mines one block before paying and
succeeds once his chain is strictly longer after the merchant has n confirmations (the
negative-binomial closed form, docs/theory.md "Double spending"):

    r = 1 - sum_{m=0}^{n} C(m+n-1, m) (p^n q^m - p^m q^n)   (q < p).

The runs are scenarios/double-spend.yaml with `premine: true` (those are Rosenfeld's rules) and
a give-up barrier `max_deficit` that Rosenfeld's attacker does not have. Two comparisons per
point: with the exact value of the simulated rules (`peerlab.theory.double_spend_success`,
barrier included; 3 binomial SE) and with Rosenfeld's r (3 binomial SE plus the barrier's
computed effect, r minus the exact value with the barrier, as a model term).
"""
from __future__ import annotations

from . import core
from .nakamoto_2008 import NOTE, against_exact, pooled

SOURCE = ("M. Rosenfeld, \"Analysis of hashrate-based double spending\" (2014, arXiv:1402.2009), "
          "the closed form for the success probability r(q, n) with a pre-mined block, as "
          "docs/theory.md states it (peerlab.theory.rosenfeld_double_spend)")
MISSING_TABLE = ("Rosenfeld's printed tables and figures could not be retrieved with the search "
                 "tool (no text of arXiv:1402.2009 in the corpus); compared with his closed "
                 "form instead")
# (q, z, max_deficit, blocks per seed), about 2,000 attempts per point over the seeds in full
# mode (1,500 at q = 0.4, whose attempts are longer), about 300 in quick mode.
FULL = dict(seeds=4, points=[(0.2, 1, 6, 6000), (0.2, 2, 6, 7000), (0.2, 4, 6, 8000),
                             (0.2, 6, 6, 8200), (0.4, 1, 12, 5200), (0.4, 2, 12, 7800),
                             (0.4, 4, 12, 10400)])
QUICK = dict(seeds=2, points=[(0.2, 1, 6, 1800), (0.2, 2, 6, 2100), (0.4, 2, 12, 3000)])


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
        ros = theory.rosenfeld_double_spend(q, z)
        r.update(binomial_se=se, exact_simulated_rules=exact, rosenfeld=ros,
                 nakamoto=theory.nakamoto_double_spend(q, z))
        comparisons.append(comparison)
        tol, how = core.tolerance(
            se, abs(ros - exact), f"the strategy gives up {md} blocks behind, Rosenfeld's "
            "attacker never does: r minus the exact value with the barrier",
            what=f"binomial SE (n={n})")
        comparisons.append(core.Comparison(
            quantity=f"success probability r, q={q:g}, n={z}", published=ros, source=SOURCE,
            peerlab=r["simulated"], tolerance=tol, derivation=how,
            note=NOTE + f"; exact value with the barrier {exact:.5f}; Nakamoto's approximation "
            f"{r['nakamoto']:.5f}"))
    comparisons.append(core.Comparison(
        quantity="Rosenfeld's printed values (tables, figures)", published=None, source=SOURCE,
        peerlab=None, tolerance=0.0, derivation="not compared", missing=MISSING_TABLE))
    table = pd.DataFrame(rows)
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    for q, color in ((0.2, "C0"), (0.4, "C1")):
        zz = list(range(0, 9))
        ax.semilogy(zz, [theory.rosenfeld_double_spend(q, z) for z in zz], "-", lw=1,
                    color=color, label=f"Rosenfeld r, q={q:g}")
        ax.semilogy(zz, [theory.nakamoto_double_spend(q, z) for z in zz], ":", lw=1,
                    color=color, label=f"Nakamoto's approximation, q={q:g}")
        t = table[table.q == q]
        if len(t):
            ax.errorbar(t.z, t.simulated, yerr=core.Z * t.binomial_se, fmt="o", color=color,
                        label=f"peerlab (premine), q={q:g}")
    ax.set_xlabel("confirmations n")
    ax.set_ylabel("attacker success probability")
    ax.set_title("Double spending with a pre-mined block (Rosenfeld 2014)")
    ax.legend(fontsize=7)
    return core.Outcome(table=table, comparisons=comparisons, figure=fig)


ENTRY = core.Entry(
    name="rosenfeld-2014",
    title="Double-spend success with a pre-mined block (Rosenfeld's exact values)",
    citation="M. Rosenfeld, \"Analysis of hashrate-based double spending\", 2014 "
             "(arXiv:1402.2009)",
    summary="double-spend success vs confirmations (premine) beside Rosenfeld's exact r",
    run=run)
