"""sapirshtein-2016: the optimal selfish-mining policy played inside the network, its revenue
against the MDP's value at gamma 0 for alpha 1/3, 0.35, 0.375 and 0.40.

Sapirshtein, Sompolinsky & Zohar, "Optimal Selfish Mining Strategies in Bitcoin" (Financial
Cryptography 2016, arXiv:1507.06183) solve a Markov decision process for the best an attacker
can earn by withholding and publishing blocks; their Table 1 prints the optimal relative
revenue at gamma 0 (0.33705, 0.37077, 0.42600, 0.48863 for these four alphas, as issue 21
gives them: the paper's text could not be retrieved here to re-check the table or its page).
The runs are scenarios/selfish-mining.yaml with `kind: optimal-selfish` and no rushing links
(`gamma: 0`): the pool plays the policy peerlab's MDP solver finds for its hashrate share
(docs/attacks.md), and its share of main-chain blocks is compared with the published value.

Block size. The MDP's override takes effect at once. In the network a multi-block override is
fetched as whole blocks out of the pool's one uplink (compact relay only for a single block on
the tip, as Bitcoin Core), so with the shipped 1 MB blocks it takes 14 to 17 s to reach half the
nodes, and honest blocks found meanwhile win races the MDP counts as won (docs/gallery.md).
The compared runs therefore use 1 kB blocks (`protocol.block_size`), which cross a link in
about its latency, so the network meets the model's assumption; in full mode the same seeds also
run with 1 MB blocks, and that series is reported beside them as the network's effect (table
and figure), not compared with the paper.

What differs from the model: the network decides ties and propagation. With gamma 0 the policy
never matches (a tie earns nothing), so the attacker starts no races and `observed_gamma` is
undefined unless it does; where the network produced an observed gamma, the MDP value's change
from gamma 0 to it is a model term. Blocks still private when a run stops never count: the
expected size of the fork at a random time (E[a + h] under the policy, from the MDP's own chain)
out of the run's main chain is the second model term.

Standard error: one run's revenue varies a lot under this policy (long private forks), so a
dozen seeds estimate its spread poorly; the SE used is the larger of the seeds' sample SE and
the spread the policy itself shows on the MDP's chain over runs of the same length (what the
runs would show if the network played exactly the MDP), each alpha with its own seeds.
"""
from __future__ import annotations

import math
import random

from . import core

ALPHAS = [1 / 3, 0.35, 0.375, 0.40]
# Table 1 of the paper, gamma = 0, as issue 21 gives them (see the module docstring).
PUBLISHED = {1 / 3: 0.33705, 0.35: 0.37077, 0.375: 0.42600, 0.40: 0.48863}
SOURCE = ("Sapirshtein, Sompolinsky & Zohar 2016 (arXiv:1507.06183), Table 1 (gamma = 0), "
          "values as given in issue 21; the paper's text was not retrievable to cite its page")
FULL = dict(seeds=12, blocks=3000)
QUICK = dict(seeds=3, blocks=300)
REPLAYS = 200  # runs of the MDP chain for the spread under the null
MAX_FORK = 94  # the scenario default and the analysis default
POLICY_FORK = 40
MODEL_BLOCK = "1 kB"  # crosses a link in about its latency: the MDP's instant override
NETWORK_BLOCK = "1 MB"  # the shipped scenario's size: the network's effect, full mode only


def _mdp_chain(alpha: float, policy: list[int], max_fork: int, blocks: int, runs: int):
    """The policy replayed on the MDP's own chain at gamma 0 (the transitions of
    analysis/optimal_selfish.cpp), seeded so every invocation gives the same numbers.

    Returns (E[a + h] at a random block, the sd of one run's revenue share over `runs` runs of
    `blocks` blocks): the fork still open when a run stops, and how much one run's revenue
    varies when the network plays exactly the MDP (the spread under the null hypothesis)."""
    rng = random.Random(12345)
    n1 = max_fork + 1
    fork_total, steps, shares = 0, 0, []
    for _ in range(runs):
        a, h, fork = 0, 0, 0
        won_attacker = won_honest = 0
        for _ in range(blocks):
            action = policy[(a * n1 + h) * 3 + fork]
            attacker = rng.random() < alpha
            if action == 0:  # adopt: the honest branch's h blocks are final
                won_honest += h
                a, h, fork = (1, 0, 0) if attacker else (0, 1, 1)
            elif action == 1:  # override: h + 1 of the attacker's blocks are final
                won_attacker += h + 1
                a, h, fork = (a - h, 0, 0) if attacker else (a - h - 1, 1, 1)
            elif fork == 2 or action == 2:  # a split (gamma 0: honest blocks extend theirs)
                a, h, fork = (a + 1, h, 2) if attacker else (a, h + 1, 1)
            else:  # wait
                a, h, fork = (a + 1, h, 0) if attacker else (a, h + 1, 1)
            fork_total += a + h
            steps += 1
        shares.append(won_attacker / max(1, won_attacker + won_honest))
    mean = sum(shares) / len(shares)
    sd = math.sqrt(sum((x - mean) ** 2 for x in shares) / (len(shares) - 1))
    return fork_total / steps, sd


def run(ctx: core.Context) -> core.Outcome:
    import pandas as pd
    from matplotlib.figure import Figure
    import peerlab

    p = QUICK if ctx.quick else FULL
    base = peerlab.load(core.scenario_path("selfish-mining.yaml")).with_(
        {"stop.blocks": p["blocks"], "groups.attacker.strategy.kind": "optimal-selfish",
         "groups.attacker.strategy.gamma": 0})
    points = [{"groups.attacker.hashrate": round(a, 10), "groups.honest.hashrate": round(1 - a, 10)}
              for a in ALPHAS]

    def sweep(block_size):
        # Each alpha gets its own seeds: with shared seeds one draw of mining luck moves all
        # four points together, and four comparisons would be one.
        scenario = base.with_({"protocol.block_size": block_size})
        return pd.concat([ctx.sweep(scenario, [pt],
                                    seeds=[1000 * i + k + 1 for k in range(p["seeds"])])
                          for i, pt in enumerate(points)], ignore_index=True)

    df = sweep(MODEL_BLOCK)
    # alpha -> (mean revenue with 1 MB blocks, its SE, the mean paired difference 1 MB - 1 kB
    # over the seeds both ran, its SE): the same seeds draw the same finders in both series.
    network = {}
    if not ctx.quick:
        big = sweep(NETWORK_BLOCK)
        R = "groups.attacker.revenue_share"
        done = df[df["status"] == "ok"]
        small = {(a, int(sd)): float(r) for a, sd, r in zip(
            done["groups.attacker.hashrate"], done["seed"], done[R])}
        for a_key, grp in big[big["status"] == "ok"].groupby("groups.attacker.hashrate"):
            rev = grp[R].astype(float)
            diffs = [float(r) - small[(a_key, int(sd))] for sd, r in zip(grp["seed"], grp[R])
                     if (a_key, int(sd)) in small]
            network[min(ALPHAS, key=lambda x: abs(x - a_key))] = (
                float(rev.mean()), core.mean_se(rev), sum(diffs) / max(1, len(diffs)),
                core.mean_se(diffs))
    ok = df[df["status"] == "ok"]
    A, R = "groups.attacker.hashrate", "groups.attacker.revenue_share"
    OG = "adversaries.attacker.observed_gamma"
    theory = peerlab.theory
    rows, comparisons = [], []
    for a_key, grp in ok.groupby(A):
        a = min(ALPHAS, key=lambda x: abs(x - a_key))
        rev = grp[R].astype(float)
        og = grp[OG].astype(float).dropna() if OG in grp else pd.Series([], dtype=float)
        g_obs = float(og.mean()) if len(og) else float("nan")
        mdp = theory.optimal_selfish_revenue(a, 0.0, MAX_FORK)
        mdp_obs = (theory.optimal_selfish_revenue(a, min(max(g_obs, 0.0), 1.0), MAX_FORK)
                   if not math.isnan(g_obs) else mdp)
        # The policy at T = 40 for the replays (fast): forks of 40 blocks are too rare at
        # these alphas to move E[a + h] or the spread.
        fork, sd_null = _mdp_chain(a, theory.optimal_selfish_policy(a, 0.0, POLICY_FORK),
                                   POLICY_FORK, p["blocks"], REPLAYS)
        main_blocks = float((grp["groups.attacker.blocks_main"].astype(float) +
                             grp["groups.honest.blocks_main"].astype(float)).mean())
        end = fork / main_blocks
        gamma_term = abs(mdp_obs - mdp)
        printed = abs(mdp - PUBLISHED[a])
        # The seeds' sample SE estimates the spread from a few runs; the policy's own spread
        # (runs of the same length on the MDP chain) is what the runs would show if the network
        # played exactly the MDP. The larger of the two is used.
        se_sample = core.mean_se(rev)
        se_null = sd_null / math.sqrt(len(rev))
        se = max(se_sample, se_null)
        tol, how = core.tolerance(
            se, gamma_term + end + printed,
            f"MDP value's change from gamma 0 to the observed gamma ({gamma_term:.2g}; "
            + ("no races, none observed" if math.isnan(g_obs) else f"observed {g_obs:.3f}")
            + f") + blocks private at the stop, E[a + h] = {fork:.2f} out of "
            f"{main_blocks:.0f} main-chain blocks ({end:.2g}) + peerlab's MDP value "
            f"{mdp:.6f} against the printed one ({printed:.2g})",
            what=f"SE over {len(rev)} seeds, the larger of the seeds' sample SE "
                 f"({se_sample:.3g}) and the policy's own spread over {REPLAYS} replays of "
                 f"{p['blocks']} blocks on the MDP chain ({se_null:.3g})")
        sm1 = theory.eyal_sirer_revenue(a, 0.0)
        rows.append(dict(alpha=a, seeds=len(rev), revenue=rev.mean(), revenue_se=se,
                         revenue_se_sample=se_sample, revenue_se_null=se_null,
                         published=PUBLISHED[a], mdp_value=mdp, mdp_at_observed_gamma=mdp_obs,
                         observed_gamma=g_obs, sm1_closed_form=sm1,
                         races=grp["adversaries.attacker.races"].astype(float).mean(),
                         overrides=grp["adversaries.attacker.overrides"].astype(float).mean(),
                         stale_rate=grp["blocks.stale_rate"].astype(float).mean()
                         if "blocks.stale_rate" in grp else float("nan"),
                         mean_fork_size=fork, main_blocks=main_blocks, block_size=MODEL_BLOCK,
                         **dict(zip(("revenue_1MB", "revenue_1MB_se", "network_effect",
                                     "network_effect_se"),
                                    network.get(a, (float("nan"),) * 4)))))
        comparisons.append(core.Comparison(
            quantity=f"optimal selfish revenue share, alpha={a:.4g}, gamma 0 (rushing share 0)",
            published=PUBLISHED[a], source=SOURCE, peerlab=float(rev.mean()), tolerance=tol,
            derivation=how,
            note=f"the pool plays peerlab's MDP policy (T = {MAX_FORK}) in the 200-node "
                 f"network with {MODEL_BLOCK} blocks; MDP value {mdp:.5f}, SM1 {sm1:.5f}" + (
                     f"; with {NETWORK_BLOCK} blocks (not compared): {network[a][0]:.4f}, "
                     f"{network[a][2]:+.4f} +- {network[a][3]:.4f} on the same seeds"
                     if a in network else "") + (
                     "; docs/theory.md prints 0.48866 for this cell (from an earlier issue), "
                     "which peerlab's MDP value matches; issue 21 gives 0.48863"
                     if a == 0.40 else "")))
    table = pd.DataFrame(rows)
    # The four alphas run on separate seeds, so their differences are independent: their mean
    # tests for a shortfall common to all of them, which one point at a time can miss.
    if len(comparisons) > 1:
        diffs = [c.peerlab - c.published for c in comparisons]
        se_joint = math.sqrt(sum(r["revenue_se"] ** 2 for r in rows)) / len(rows)
        model = sum(c.tolerance - core.Z * r["revenue_se"]
                    for c, r in zip(comparisons, rows)) / len(rows)
        tol, how = core.tolerance(se_joint, model, "the mean of the points' model terms",
                                  what=f"SE of the mean of {len(rows)} independent differences")
        comparisons.append(core.Comparison(
            quantity="mean difference peerlab - published over the four alphas",
            published=0.0, source=SOURCE, peerlab=sum(diffs) / len(diffs), tolerance=tol,
            derivation=how, note="each alpha on its own seeds; a common shortfall shows here"))
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    xs = [0.25 + 0.025 * i for i in range(9)]  # 0.25 .. 0.45
    # The curve at T = 40 (fast; for a line the truncation is invisible up to alpha 0.45).
    ax.plot(xs, [theory.optimal_selfish_revenue(x, 0.0, 40) for x in xs], color="C0", lw=1,
            label="MDP optimum, gamma 0")
    ax.plot(xs, [theory.eyal_sirer_revenue(x, 0.0) for x in xs], color="C1", lw=1, ls="-.",
            label="SM1 (Eyal & Sirer), gamma 0")
    ax.plot(xs, xs, color="grey", ls="--", lw=1, label="honest mining")
    ax.errorbar(table.alpha, table.revenue, yerr=core.Z * table.revenue_se, fmt="o", color="C0",
                label=f"peerlab, optimal-selfish, {MODEL_BLOCK} blocks")
    if network:
        ax.errorbar([a + 0.003 for a in table.alpha], table.revenue_1MB,
                    yerr=core.Z * table.revenue_1MB_se, fmt="s", color="C3", mfc="none",
                    label=f"same, {NETWORK_BLOCK} blocks (override fetched whole)")
    ax.plot(list(PUBLISHED), list(PUBLISHED.values()), "x", color="k", label="paper, Table 1")
    ax.set_xlabel("pool's hashrate share alpha")
    ax.set_ylabel("pool's share of main-chain blocks")
    ax.set_title("Optimal selfish mining (Sapirshtein et al. 2016)")
    ax.legend(fontsize=7)
    return core.Outcome(table=table, comparisons=comparisons, figure=fig)


ENTRY = core.Entry(
    name="sapirshtein-2016",
    title="Optimal selfish mining: the MDP's policy played in the network",
    citation="A. Sapirshtein, Y. Sompolinsky, A. Zohar, \"Optimal Selfish Mining Strategies in "
             "Bitcoin\", Financial Cryptography 2016 (arXiv:1507.06183)",
    summary="optimal-selfish revenue at gamma 0 for alpha 1/3, 0.35, 0.375, 0.40 vs Table 1",
    run=run)
