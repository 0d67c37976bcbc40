"""eyal-sirer-2014: selfish mining's revenue against the pool's hashrate for gamma 0, 0.5 and 1,
beside Eyal & Sirer's closed form, and the profitability thresholds 1/3, 1/4 and 0.

The published numbers are the closed form R(alpha, gamma) (Eyal & Sirer, "Majority is not
enough: Bitcoin mining is vulnerable", FC 2014, arXiv:1311.0243, section 4, the revenue
expression after the state probabilities) and the thresholds (1 - gamma) / (3 - 2 gamma) of
their Observation 1 (1/3, 1/4, 0; figure 2). The runs are scenarios/selfish-mining.yaml with
the pool's hashrate and rushing share varied. gamma is not a parameter of the network: the pool
gets rushing links to honest miners holding that share of honest hashrate and the network
decides who wins each tie; peerlab's revenue is compared with R at the gamma it observed.
"""
from __future__ import annotations

import math

from . import core

GAMMAS = [0.0, 0.5, 1.0]
FULL = dict(alphas=[0.1, 0.2, 0.25, 0.3, 0.35, 0.4], seeds=8, blocks=2000)
QUICK = dict(alphas=[0.2, 0.3, 0.4], seeds=3, blocks=300)
SOURCE_R = "Eyal & Sirer 2014 (arXiv:1311.0243), section 4, revenue R(alpha, gamma)"
SOURCE_T = "Eyal & Sirer 2014, Observation 1 and figure 2: threshold (1 - gamma) / (3 - 2 gamma)"
# Blocks the pool still withholds when a run stops never reach the main chain: at most its
# expected private lead, alpha / (1 - 2 alpha) blocks (the lead is a walk with drift 1 - 2 alpha
# down and the pool publishes on every honest block), out of the run's main chain.
def _end_effect(alpha: float, blocks: int) -> float:
    return alpha / (1 - 2 * alpha) / blocks


def _threshold(rows, alpha_col, value_col):
    """The smallest alpha where value - alpha turns positive, interpolated linearly; 0 when it is
    positive at the smallest alpha, None when never."""
    pts = sorted(rows, key=lambda r: r[0])
    prev = None
    for a, v in pts:
        gain = v - a
        if gain > 0:
            if prev is None:
                return 0.0
            a0, g0 = prev
            return a0 + (a - a0) * (-g0) / (gain - g0)
        prev = (a, gain)
    return None


def run(ctx: core.Context) -> core.Outcome:
    import pandas as pd
    from matplotlib.figure import Figure
    import peerlab

    p = QUICK if ctx.quick else FULL
    scenario = peerlab.load(core.scenario_path("selfish-mining.yaml")).with_(
        {"stop.blocks": p["blocks"]})
    points = [{"groups.attacker.hashrate": a, "groups.honest.hashrate": round(1 - a, 10),
               "groups.attacker.strategy.gamma": g} for g in GAMMAS for a in p["alphas"]]
    df = ctx.sweep(scenario, points, seeds=p["seeds"])
    ok = df[df["status"] == "ok"]
    A, G = "groups.attacker.hashrate", "groups.attacker.strategy.gamma"
    R, OG = "groups.attacker.revenue_share", "adversaries.attacker.observed_gamma"
    theory = peerlab.theory
    rows, comparisons = [], []
    for (g, a), grp in ok.groupby([G, A]):
        rev = grp[R].astype(float)
        og = grp[OG].astype(float).dropna()
        g_obs = float(og.mean()) if len(og) else float("nan")
        closed_nominal = theory.selfish_mining(a, g)["closed_form"]
        closed_obs = (theory.selfish_mining(a, min(max(g_obs, 0.0), 1.0))["closed_form"]
                      if not math.isnan(g_obs) else float("nan"))
        se_rev = core.mean_se(rev)
        # The formula's sensitivity to the measured gamma: dR/dgamma times gamma's SE.
        dg = 1e-4
        slope = (theory.selfish_mining(a, min(g_obs + dg, 1.0))["closed_form"] -
                 theory.selfish_mining(a, max(g_obs - dg, 0.0))["closed_form"]) / (2 * dg) \
            if not math.isnan(g_obs) else 0.0
        se = math.hypot(se_rev, slope * core.mean_se(og)) if len(og) > 1 else se_rev
        end = _end_effect(a, p["blocks"])
        tol, how = core.tolerance(se, end, "withheld blocks lost at the run's end, at most "
                                  "alpha / (1 - 2 alpha) blocks", what=f"SE over {len(rev)} seeds")
        rows.append(dict(gamma_setting=g, alpha=a, seeds=len(rev), revenue=rev.mean(),
                         revenue_se=se_rev, observed_gamma=g_obs,
                         eyal_sirer_at_observed_gamma=closed_obs,
                         eyal_sirer_at_setting=closed_nominal))
        comparisons.append(core.Comparison(
            quantity=f"revenue share, alpha={a:g}, rushing share {g:g} "
                     f"(observed gamma {g_obs:.3f})",
            published=closed_obs, source=SOURCE_R, peerlab=float(rev.mean()),
            tolerance=tol, derivation=how,
            note="R evaluated at the gamma the network produced"))
    table = pd.DataFrame(rows)
    # Thresholds: where simulated revenue crosses alpha, per rushing share.
    published_t = {0.0: 1 / 3, 0.5: 1 / 4, 1.0: 0.0}
    for g in GAMMAS:
        t = table[table.gamma_setting == g]
        sim = _threshold(list(zip(t.alpha, t.revenue)), "alpha", "revenue")
        g_obs = float(t.observed_gamma.mean())
        expected = (1 - g_obs) / (3 - 2 * g_obs)
        # The grid's spacing bounds where a crossing can be placed; plus the revenue's SE
        # turned into alpha through the slope of R - alpha near the threshold (about 1).
        spacing = max(b - a for a, b in zip(t.alpha[:-1], t.alpha[1:])) if len(t) > 1 else 0.1
        tol, how = core.tolerance(float(t.revenue_se.max()), spacing / 2 + abs(
            expected - published_t[g]), f"half the alpha grid spacing, plus the threshold's "
            f"shift from gamma {g:g} to the observed {g_obs:.3f}", what="largest revenue SE")
        comparisons.append(core.Comparison(
            quantity=f"profitability threshold, rushing share {g:g}", published=published_t[g],
            source=SOURCE_T, peerlab=sim if sim is not None else float("nan"), tolerance=tol,
            derivation=how, note="smallest alpha where simulated revenue exceeds alpha "
                                 "(0 when it does at the smallest alpha run)"))
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    xs = [i / 200 for i in range(0, 100)]
    for g, color in zip(GAMMAS, ("C0", "C1", "C2")):
        t = table[table.gamma_setting == g]
        ax.errorbar(t.alpha, t.revenue, yerr=core.Z * t.revenue_se, fmt="o", color=color,
                    label=f"peerlab, rushing {g:g}")
        ax.plot(xs, [theory.selfish_mining(x, g)["closed_form"] for x in xs], color=color,
                lw=1, label=f"Eyal & Sirer, gamma {g:g}")
    ax.plot(xs, xs, color="grey", ls="--", lw=1, label="honest mining")
    ax.set_xlabel("pool's hashrate share alpha")
    ax.set_ylabel("pool's share of main-chain blocks")
    ax.set_title("Selfish mining (Eyal & Sirer 2014)")
    ax.legend(fontsize=7)
    return core.Outcome(table=table, comparisons=comparisons, figure=fig)


ENTRY = core.Entry(
    name="eyal-sirer-2014",
    title="Selfish mining revenue and profitability thresholds",
    citation="I. Eyal, E. G. Sirer, \"Majority is not enough: Bitcoin mining is vulnerable\", "
             "Financial Cryptography 2014 (arXiv:1311.0243)",
    summary="selfish-mining revenue vs alpha for gamma 0, 0.5, 1; thresholds 1/3, 1/4, 0",
    run=run)
