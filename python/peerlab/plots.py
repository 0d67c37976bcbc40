"""Standard figures of peerlab results, drawn with matplotlib.

Every function takes results as peerlab returns them (a `Result`, its DataFrames, or the
DataFrame of a sweep), draws one figure, saves it when `path` is given (the format follows the
extension: .png, .svg, .pdf) and returns the `matplotlib.figure.Figure`. Figures are built
without pyplot, so importing this module never changes a notebook's backend and works on
machines without a display.

Theory curves come from the C++ analysis layer (`_peerlab`), the same code as `peerlab theory`.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

_FIGSIZE = (6.4, 4.4)


def _theory():
    import _peerlab  # the compiled module; imported late so plots of stored CSVs need no build

    return _peerlab


def _finish(fig: Figure, path) -> Figure:
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=150)
    return fig


def _table(obj, name: str) -> pd.DataFrame:
    """A Result's table `name`, or obj itself when it is already a DataFrame."""
    if isinstance(obj, pd.DataFrame):
        return obj
    table = getattr(obj, name, None)
    if isinstance(table, pd.DataFrame):
        return table
    raise TypeError(f"expected a Result or a DataFrame of {name}, got {type(obj).__name__}")


def _labelled(data, name: str) -> list[tuple[str | None, pd.DataFrame]]:
    """One or several tables: a mapping label -> Result/DataFrame, or a single one."""
    if isinstance(data, Mapping):
        return [(str(label), _table(item, name)) for label, item in data.items()]
    return [(None, _table(data, name))]


def _on_main_chain(blocks: pd.DataFrame) -> pd.Series:
    """blocks.csv's `main_chain` as booleans, whether pandas parsed "true" or kept the text."""
    return blocks["main_chain"].astype(str).str.lower() == "true"


def _ecdf(values) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(np.asarray(pd.to_numeric(values, errors="coerce").dropna(), dtype=float))
    return x, np.arange(1, len(x) + 1) / max(len(x), 1)


def _ok_rows(df: pd.DataFrame, needed: Iterable[str]) -> pd.DataFrame:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the table; it has {sorted(df.columns)[:20]}...")
    if "status" in df.columns:
        df = df[df["status"] == "ok"]
    return df


def _mean_and_ci(df: pd.DataFrame, by: list[str], column: str) -> pd.DataFrame:
    """Mean per group and the half-width of its normal 95 % interval across seeds."""
    grouped = df.groupby(by, sort=True)[column]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    out["ci95"] = 1.96 * out["std"].fillna(0.0) / np.sqrt(out["count"].clip(lower=1))
    return out


def propagation_cdf(blocks, path=None, columns=("reach_50_s", "reach_90_s", "reach_100_s"),
                    main_chain_only=True) -> Figure:
    """CDF over blocks of the time from mining until 50 / 90 / 100 % of nodes had the block.

    `blocks`: a Result, its `blocks` DataFrame, or a mapping label -> either (one line style
    per label, e.g. {"compact": r1, "legacy": r2}). Blocks that never reached a share are left
    out of that share's curve.
    """
    fig = Figure(figsize=_FIGSIZE)
    ax = fig.subplots()
    styles = ["-", "--", ":", "-."]
    for i, (label, table) in enumerate(_labelled(blocks, "blocks")):
        if main_chain_only and "main_chain" in table.columns:
            table = table[_on_main_chain(table)]
        for column in columns:
            x, y = _ecdf(table[column])
            name = column.replace("reach_", "").replace("_s", " % of nodes")
            ax.step(x, y, where="post", linestyle=styles[i % len(styles)],
                    label=f"{label}: {name}" if label else name)
    ax.set_xlabel("seconds after mining")
    ax.set_ylabel("share of blocks")
    ax.set_ylim(0, 1.02)
    ax.set_title("Block propagation")
    ax.grid(alpha=0.3)
    ax.legend()
    return _finish(fig, path)


def stale_rate(sweep: pd.DataFrame, param: str, path=None, column="blocks.stale_rate",
               by: str | None = None) -> Figure:
    """Stale rate (mean over seeds, 95 % interval) against a swept parameter, one line per
    value of `by` when given."""
    df = _ok_rows(sweep, [param, column] + ([by] if by else []))
    fig = Figure(figsize=_FIGSIZE)
    ax = fig.subplots()
    groups = [(None, df)] if by is None else list(df.groupby(by, sort=True))
    for key, part in groups:
        stats = _mean_and_ci(part, [param], column)
        ax.errorbar(stats[param], stats["mean"], yerr=stats["ci95"], marker="o", capsize=3,
                    label=None if key is None else f"{by} = {key}")
    ax.set_xlabel(param)
    ax.set_ylabel("stale rate")
    ax.set_title("Stale blocks")
    ax.grid(alpha=0.3)
    if by is not None:
        ax.legend()
    return _finish(fig, path)


def selfish_revenue(sweep: pd.DataFrame, path=None, alpha="groups.attacker.hashrate",
                    revenue="groups.attacker.revenue_share",
                    gamma="groups.attacker.strategy.gamma", theory_gammas=None) -> Figure:
    """Attacker revenue share against its hashrate share alpha, with Eyal & Sirer's curve for
    each gamma in the sweep (or `theory_gammas`) and the honest line revenue = alpha."""
    has_gamma = gamma is not None and gamma in sweep.columns
    df = _ok_rows(sweep, [alpha, revenue] + ([gamma] if has_gamma else []))
    fig = Figure(figsize=_FIGSIZE)
    ax = fig.subplots()
    theory = _theory()
    grid = np.linspace(0.0, 0.499, 200)
    ax.plot(grid, grid, color="0.5", linewidth=1, label="honest mining")
    gammas = sorted(df[gamma].unique()) if has_gamma else [None]
    if theory_gammas is not None:
        gammas = sorted(set(gammas) | set(theory_gammas)) if has_gamma else list(theory_gammas)
    colors = {}
    for i, g in enumerate(gammas):
        color = f"C{i}"
        colors[g] = color
        if g is not None:
            curve = [theory.eyal_sirer_revenue(a, float(g)) for a in grid]
            ax.plot(grid, curve, color=color, linewidth=1.2,
                    label=f"Eyal & Sirer, gamma = {g:g}")
    for g, part in (df.groupby(gamma, sort=True) if has_gamma else [(None, df)]):
        stats = _mean_and_ci(part, [alpha], revenue)
        ax.errorbar(stats[alpha], stats["mean"], yerr=stats["ci95"], fmt="o", capsize=3,
                    color=colors.get(g, "C0"),
                    label="simulated" if g is None else f"simulated, gamma = {g:g}")
    ax.set_xlim(0, 0.5)
    ax.set_ylim(0, 1)
    ax.set_xlabel("attacker hashrate share (alpha)")
    ax.set_ylabel("attacker share of main-chain blocks")
    ax.set_title("Selfish mining revenue")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return _finish(fig, path)


def double_spend(sweep: pd.DataFrame, path=None, z="groups.attacker.strategy.confirmations",
                 q="groups.attacker.hashrate", success="adversaries.attacker.success_rate",
                 max_deficit=None, premine=None) -> Figure:
    """Double-spend success rate against confirmations z, one colour per attacker share q, with
    Rosenfeld's probability (dashed) and, when `max_deficit` is given, the exact probability of
    the simulated strategy with that give-up barrier (solid)."""
    df = _ok_rows(sweep, [z, q, success])
    fig = Figure(figsize=_FIGSIZE)
    ax = fig.subplots()
    theory = _theory()
    zs = np.arange(0, int(df[z].max()) + 2)
    for i, (qv, part) in enumerate(df.groupby(q, sort=True)):
        color = f"C{i}"
        ax.plot(zs, [theory.rosenfeld_double_spend(float(qv), int(k)) for k in zs], "--",
                color=color, linewidth=1, label=f"Rosenfeld, q = {qv:g}")
        if max_deficit is not None:
            exact = [theory.double_spend_success(float(qv), int(k), int(max_deficit),
                                                 bool(premine)) for k in zs]
            ax.plot(zs, exact, "-", color=color, linewidth=1,
                    label=f"exact, give-up at {max_deficit}, q = {qv:g}")
        stats = _mean_and_ci(part, [z], success)
        ax.errorbar(stats[z], stats["mean"], yerr=stats["ci95"], fmt="o", capsize=3,
                    color=color, label=f"simulated, q = {qv:g}")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("confirmations z")
    ax.set_ylabel("success probability")
    ax.set_title("Double spending")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return _finish(fig, path)


def censorship_delay_cdf(transactions, path=None, column="inclusion_delay_s") -> Figure:
    """CDF of transaction inclusion delay per transaction class (e.g. censored against
    normal). `transactions`: a Result, its `transactions` DataFrame, or a mapping label ->
    either. Transactions never included are counted as not included (the curve stays below 1)."""
    fig = Figure(figsize=_FIGSIZE)
    ax = fig.subplots()
    for label, table in _labelled(transactions, "transactions"):
        if table.empty:
            raise ValueError("no transactions: run a scenario with a transaction workload and "
                             "`outputs: [..., transactions]` or use peerlab.run's table")
        for cls, part in table.groupby("class", sort=True):
            x, y = _ecdf(part[column])
            y = y * (len(x) / len(part))  # never-included transactions keep the curve below 1
            name = f"{label}: {cls}" if label else str(cls)
            ax.step(x / (60.0 if column.endswith("_s") else 1.0), y, where="post", label=name)
    ax.set_xlabel("minutes from creation to inclusion" if column.endswith("_s") else column)
    ax.set_ylabel("share of transactions included")
    ax.set_ylim(0, 1.02)
    ax.set_title("Transaction inclusion delay")
    ax.grid(alpha=0.3)
    ax.legend()
    return _finish(fig, path)


def partition_timeline(result, path=None) -> Figure:
    """Chain tips per side over time: every block at (time mined, height), coloured by the side
    its miner was on (grey outside partitions), hollow when it ended off the main chain, a step
    line per side for the tip of the blocks mined there, and each partition shaded from its start
    to its heal. `result`: a Result (needs its summary and blocks)."""
    blocks = _table(result, "blocks")
    summary = getattr(result, "summary", None) or {}
    if "partition_side" not in blocks.columns:
        raise KeyError("blocks table has no partition_side column (rerun with this version)")
    fig = Figure(figsize=(8, 4.4))
    ax = fig.subplots()
    hours = blocks["mined_at_s"].astype(float) / 3600.0
    main = _on_main_chain(blocks)
    side = pd.to_numeric(blocks["partition_side"], errors="coerce")
    for i, p in enumerate(summary.get("partitions") or []):
        start = p["at_s"] / 3600.0
        end = (p["healed_at_s"] if p.get("healed_at_s") is not None
               else float(blocks["mined_at_s"].max())) / 3600.0
        ax.axvspan(start, end, color="0.9", label="partition" if i == 0 else None)
    outside = side.isna()
    ax.scatter(hours[outside & main], blocks["height"][outside & main], s=10, color="0.4",
               label="no partition")
    for s in sorted(side.dropna().unique()):
        mask = side == s
        color = f"C{int(s)}"
        tip = blocks[mask].sort_values("mined_at_s")
        ax.step(tip["mined_at_s"] / 3600.0, tip["height"].cummax(), where="post", color=color,
                linewidth=1)
        ax.scatter(hours[mask & main], blocks["height"][mask & main], s=14, color=color,
                   label=f"side {int(s)}")
        ax.scatter(hours[mask & ~main], blocks["height"][mask & ~main], s=14,
                   facecolors="none", edgecolors=color, label=f"side {int(s)}, orphaned")
    ax.set_xlabel("hours")
    ax.set_ylabel("height")
    ax.set_title("Partition timeline")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return _finish(fig, path)


__all__ = ["propagation_cdf", "stale_rate", "selfish_revenue", "double_spend",
           "censorship_delay_cdf", "partition_timeline"]
