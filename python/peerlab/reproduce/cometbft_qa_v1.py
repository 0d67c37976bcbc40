"""cometbft-qa-v1: CometBFT's own QA testnet (the "200-nodes test" of v1.0.0-alpha.2) beside
peerlab's Tendermint family in the same setting: blocks per minute and rounds per height, with
and without latency emulation, and the transactions processed at 400 tx/s.

The published setting (cometbft/cometbft, docs/references/qa/CometBFT-QA-v1.md and method.md):
200 nodes (175 validators, 20 full nodes, 5 seed nodes) in one DigitalOcean region, "the same,
default configuration", a load of 400 transactions per second (`c=1,r=400`) of 1,024 bytes sent
to one node for 90 s (180 s with latency emulation), blocks of at most 4 MB. Latency emulation
places each node in a zone of an AWS inter-region table and adds that zone pair's delay to every
outgoing packet with `tc` (test/e2e/pkg/latency/latency-setter.py, which also shapes each
interface to 1 Gbit/s).

The runs are scenarios/tendermint-qa.yaml: 175 validators of equal power and 25 full nodes
(peerlab has no seed role), CometBFT's defaults, 400 tx/s of 1,024 B, 4 MB blocks, 1 Gbit/s per
node. Without latency emulation: one region with a 0.5 ms round trip (the scenario cites it).
With latency emulation: SimBlock's 2019 six-region table (`simblock-2019`), the closest
world-wide table peerlab has; it is NOT the AWS table the QA used (that table,
test/e2e/pkg/latency/aws-latencies.csv, could not be read here), and bandwidth stays 1 Gbit/s.
A third series (full mode only, shown, not compared) keeps SimBlock's latencies with the nodes
spread evenly over the six regions, as the QA's random zones spread them. The report's block
limit reads "4 Mb"; the runs use 4 MB, which does not bind at these rates (the largest block
of a simblock-2019 run, seed 1, was 1.77 MB).

What is compared (tolerances: 3 standard errors over seeds plus the stated term, never fitted):
  * blocks per minute without latency emulation against "approximately 30", whose own range the
    report states as "between 20 and 40" for most nodes: term 10, the half-width of that range;
  * blocks per minute with latency emulation against "around 10", a one-figure statement: term
    5, half a unit of that figure;
  * transactions processed in the QA's 89 s of load at 400 tx/s, against both cells of the
    report's saturation table at that load (c=1,r=400: 31,200; c=2,r=200: 34,600; the report
    counts configurations of equal total load as equivalent). peerlab's count is scaled to 89 s;
    term: the transactions of one block interval, which the QA counts (it waits for the mempool
    to empty) and a run stopped at the end of the load has not yet committed.
Rounds per height and transaction latency appear in the report only as figures and qualitative
sentences; they are reported as `missing`, with peerlab's values and the sentences in the note.
The v0.38 report's block rate is shown, not compared: peerlab's reactor sends
HasProposalBlockPart, which CometBFT added after v0.38.0-alpha.2 (cometbft/cometbft PR #904,
merged June 2023).
"""
from __future__ import annotations

from . import core

V1 = ("cometbft/cometbft docs/references/qa/CometBFT-QA-v1.md (commit 00774d01345170dc4c6f9e21"
      "3a0b99d096a8ea4a), QA of v1.0.0-alpha.2 run 2024-03-21")
V038 = ("cometbft/cometbft docs/references/qa/CometBFT-QA-38.md (commit 63230550298ccdeeb0aebaf5"
        "114d8989c6979ef6), QA of v0.38.0-alpha.2 run 2023-05-21")
METHOD = ("cometbft/cometbft docs/references/qa/method.md (commit 00848d45b5a1b53fcd7c33d7fc73f71"
          "0326960e9), section \"200 Node Testnet\"")
RATE = 400            # tx/s, c=1,r=400
QA_LOAD_S = 89        # the report's expected count is c * r * 89 s (the last batch is not sent)
# SimBlock's 2019 one-way latencies (sim/src/regions.cpp) with the nodes spread evenly over the
# six regions: the QA assigns zones at random, while simblock-2019 places half the nodes in
# Europe and a third in North America (Bitcoin's 2019 shares), so its mean latency is lower.
EVEN_ZONES = {
    "names": ["north-america", "europe", "south-america", "asia-pacific", "japan", "australia"],
    "node_share": [1 / 6] * 6,
    "latency_ms": [[32, 124, 184, 198, 151, 189], [124, 11, 227, 237, 252, 294],
                   [184, 227, 88, 325, 301, 322], [198, 237, 325, 85, 58, 198],
                   [151, 252, 301, 58, 12, 126], [189, 294, 322, 198, 126, 16]],
    "upload_mbps": [1000] * 6, "download_mbps": [1000] * 6,
}
SETTINGS = [  # key, label, scenario overrides, seconds of load, in quick mode too
    ("no-le", "no latency emulation (one region, 0.5 ms RTT)", {}, 90, True),
    ("le", "latency emulation (simblock-2019 regions, not the QA's AWS table)",
     {"network.regions": "simblock-2019"}, 180, True),
    # Shown beside "le", not compared: how much the placement of nodes over zones matters.
    ("le-even", "latency emulation, simblock-2019 latencies with nodes spread evenly over "
     "the six regions (not compared)", {"network.regions": EVEN_ZONES}, 180, False),
]
PUBLISHED_BPM = {  # setting: (value, term, term's reason, source)
    "no-le": (30.0, 10.0, "half-width of the report's stated range for most nodes, 20 to 40 "
              "blocks per minute", V1 + ", \"Blocks produced per minute and transactions "
              "processed per minute\": \"the majority of nodes maintained a rate of between 20 "
              "and 40 blocks per minute\"; \"The block generation rate drops from approximately "
              "30 blocks per minute (without LE) to around 10 blocks per minute.\""),
    "le": (10.0, 5.0, "half a unit of the one-figure statement \"around 10\"",
           V1 + ", same section: \"The block generation rate drops from approximately 30 blocks "
           "per minute (without LE) to around 10 blocks per minute.\""),
}
PUBLISHED_TXS = [  # (label, processed, source)
    ("c=1,r=400", 31200, V1 + ", \"Saturation point\", table of transactions processed "
     "(row r=400, column c=1; expected c * r * 89 s = 35600)"),
    ("c=2,r=200", 34600, V1 + ", \"Saturation point\", same table (row r=200, column c=2; the "
     "same total load of 400 tx/s, which the report treats as equivalent)"),
]
V038_BPM_TEXT = ("v0.38 (not compared): \"most of the nodes stayed around 20 blocks/minute\" "
                 f"({V038}, \"Blocks Produced per Minute, Transactions Processed per Minute\")")
ROUNDS_TEXT = {
    "no-le": "\"most blocks took just one round to reach consensus, except for a few cases when "
             "it was needed a second round\"",
    "le": "\"the consensus module requires an extra round more often, even needing four rounds "
          "to finalise a block\"",
}
FULL = dict(seeds=4, nodes=200, validators=175, load_scale=1.0)
# Quick: a quarter of the nodes and a third of the load time, for CI; its values are not the
# QA's setting and are compared only to show the machinery works.
QUICK = dict(seeds=2, nodes=50, validators=40, load_scale=1 / 3)
COL = "consensus."
# A transaction's latency: from its creation to the first commit of the block holding it.
TX = "transactions.classes.default.inclusion_delay_s."


def _runs(ctx, p):
    """Per setting, the sweep's rows that finished (one row per seed)."""
    import peerlab

    base = peerlab.load(core.scenario_path("tendermint-qa.yaml")).with_(
        {"network.nodes": p["nodes"], "groups.validators.nodes": p["validators"]})
    out = {}
    for key, _, overrides, load_s, in_quick in SETTINGS:
        if ctx.quick and not in_quick:
            continue
        seconds = round(load_s * p["load_scale"])
        df = ctx.sweep(base.with_(overrides) if overrides else base,
                       [{"stop.time": f"{seconds} s"}], seeds=p["seeds"])
        out[key] = (df[df["status"] == "ok"], seconds)
    return out


def _mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def _row(key, label, ok, seconds, p):
    heights = [float(v) for v in ok[COL + "heights_committed"]]
    bpm = [h / (seconds / 60) for h in heights]
    txs = [float(v) for v in ok[COL + "transactions_committed"]]
    return dict(
        setting=key, label=label, nodes=p["nodes"], validators=p["validators"],
        load_s=seconds, seeds=len(ok), heights_mean=_mean(heights),
        blocks_per_min=_mean(bpm), blocks_per_min_se=core.mean_se(bpm),
        blocks_per_min_by_seed=" ".join(f"{b:.2f}" for b in bpm),
        extra_rounds_per_height=_mean([float(v) - 1 for v in ok[COL + "rounds_per_height.mean"]]),
        max_rounds=max((int(v) for v in ok[COL + "rounds_per_height.max"]), default=0),
        commit_latency_p50_s=_mean([float(v) for v in ok[COL + "commit_latency_s.p50"]]),
        commit_latency_p99_s=_mean([float(v) for v in ok[COL + "commit_latency_s.p99"]]),
        tx_latency_p50_s=_mean([float(v) for v in ok[TX + "p50"]]),
        tx_latency_p90_s=_mean([float(v) for v in ok[TX + "p90"]]),
        txs_committed=_mean(txs),
        txs_per_qa_load=_mean([t * QA_LOAD_S / seconds for t in txs]),
        txs_per_qa_load_se=core.mean_se([t * QA_LOAD_S / seconds for t in txs]),
        published_blocks_per_min=PUBLISHED_BPM[key.replace("-even", "")][0])


def _comparisons(rows, quick):
    note_mode = ("QUICK MODE: 50 nodes and a third of the load time, not the QA's setting; "
                 if quick else "")
    out = []
    for r in rows:
        key = r["setting"]
        if key not in PUBLISHED_BPM:
            continue  # a sensitivity run, shown in the table and figure only
        value, term, reason, source = PUBLISHED_BPM[key]
        tol, how = core.tolerance(r["blocks_per_min_se"], term, reason,
                                  what=f"SE over {r['seeds']} seeds")
        out.append(core.Comparison(
            quantity=f"blocks per minute, {r['label']}", published=value, source=source,
            peerlab=r["blocks_per_min"], tolerance=tol, derivation=how, unit="blocks/min",
            note=note_mode + f"heights committed by every node / {r['load_s']} s of load; "
            f"{r['nodes']} nodes, {r['validators']} validators" +
            (f"; {V038_BPM_TEXT}" if key == "no-le" else "")))
        out.append(core.Comparison(
            quantity=f"rounds per height, {r['label']}", published=None, source=V1 +
            ", \"Consensus rounds\"", peerlab=r["extra_rounds_per_height"], tolerance=0.0,
            derivation="not compared", unit="extra rounds per height",
            missing="the report gives rounds per height as a figure only (rounds.png); its text: "
            + ROUNDS_TEXT[key],
            note=note_mode + f"peerlab: mean extra rounds per height "
            f"{r['extra_rounds_per_height']:.3f}, at most {r['max_rounds']} round(s) at a height"))
    no_le = next(r for r in rows if r["setting"] == "no-le")
    interval_s = 60 / no_le["blocks_per_min"] if no_le["blocks_per_min"] > 0 else float("inf")
    term = RATE * interval_s * QA_LOAD_S / no_le["load_s"]
    for label, processed, source in PUBLISHED_TXS:
        tol, how = core.tolerance(
            no_le["txs_per_qa_load_se"], term, f"{RATE} tx/s x one mean block interval "
            f"({interval_s:.2f} s), scaled to 89 s: transactions the QA counts after the load "
            "ends and a run stopped at its end has not committed",
            what=f"SE over {no_le['seeds']} seeds")
        out.append(core.Comparison(
            quantity=f"transactions processed in 89 s at 400 tx/s ({label}), no latency emulation",
            published=float(processed), source=source, peerlab=no_le["txs_per_qa_load"],
            tolerance=tol, derivation=how, unit="transactions",
            note=note_mode + "peerlab: transactions committed by the end of the load x 89 / "
            f"{no_le['load_s']} s; its transactions start at random nodes, the QA's at one node "
            "over c websocket connections"))
    out.append(core.Comparison(
        quantity="transaction latency (submission to commit), no latency emulation",
        published=None, source=V1 + ", \"Latencies\"", peerlab=no_le["tx_latency_p50_s"],
        tolerance=0.0, derivation="not compared", unit="s",
        missing="the report plots each block's mean transaction latency (a figure only); its "
        "text: \"most latencies are around or below 4 seconds\"",
        note=note_mode + "peerlab: median over transactions of creation to the first commit of "
        f"its block (summary.json transactions.classes.default.inclusion_delay_s), mean over "
        f"seeds: p50 {no_le['tx_latency_p50_s']:.3f} s, p90 {no_le['tx_latency_p90_s']:.3f} s; "
        f"commit latency (proposal to 50 % of nodes committed), median over heights: "
        f"{no_le['commit_latency_p50_s']:.3f} s"))
    return out


def run(ctx: core.Context) -> core.Outcome:
    import pandas as pd
    from matplotlib.figure import Figure

    p = QUICK if ctx.quick else FULL
    runs = _runs(ctx, p)
    rows = [_row(key, label, *runs[key], p) for key, label, *_ in SETTINGS if key in runs]
    comparisons = _comparisons(rows, ctx.quick)
    table = pd.DataFrame(rows)

    fig = Figure(figsize=(8.0, 3.8))
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    for x, r in enumerate(rows):
        value, term, _, _ = PUBLISHED_BPM[r["setting"].replace("-even", "")]
        ax1.bar(x - 0.18, value, 0.34, yerr=term, color="C7", capsize=4,
                label="CometBFT QA v1 (± model term)" if x == 0 else None)
        ax1.bar(x + 0.18, r["blocks_per_min"], 0.34, yerr=core.Z * r["blocks_per_min_se"],
                color="C0", capsize=4, label="peerlab (3 SE over seeds)" if x == 0 else None)
        seeds = [float(b) for b in r["blocks_per_min_by_seed"].split()]
        ax1.plot([x + 0.18] * len(seeds), seeds, "k.", ms=4)
    ticks = {"no-le": "no latency\nemulation", "le": "latency emulation\n(simblock-2019)",
             "le-even": "latency emulation\n(even zones,\nnot compared)"}
    ax1.set_xticks(range(len(rows)), [ticks[r["setting"]] for r in rows], fontsize=7)
    ax1.set_ylabel("blocks per minute")
    ax1.legend(fontsize=7)
    no_le = rows[0]
    labels = [lbl for lbl, _, _ in PUBLISHED_TXS] + ["peerlab"]
    values = [v for _, v, _ in PUBLISHED_TXS] + [no_le["txs_per_qa_load"]]
    ax2.bar(range(3), values, 0.6, color=["C7", "C7", "C0"],
            yerr=[0, 0, core.Z * no_le["txs_per_qa_load_se"]], capsize=4)
    ax2.axhline(RATE * QA_LOAD_S, color="k", lw=0.8, ls="--", label="offered: 400 x 89 s")
    ax2.set_xticks(range(3), labels, fontsize=8)
    ax2.set_ylabel("transactions processed (89 s of load)")
    ax2.set_ylim(0, 1.15 * RATE * QA_LOAD_S)
    ax2.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"CometBFT QA v1, 200-nodes test: {p['validators']} validators, "
                 f"{p['nodes']} nodes, 400 tx/s of 1 KiB" + (" (quick)" if ctx.quick else ""),
                 fontsize=9)
    notes = [
        "setting from " + METHOD + ": 175 validators + 20 full nodes + 5 seed nodes, "
        "transactions of 1024 bytes, 90 s of load; peerlab runs the 25 non-validators as "
        "full nodes",
        "latency emulation: the QA's AWS zone table is not available here; peerlab uses "
        "SimBlock's 2019 six-region table, with every node at 1 Gbit/s as the QA's tc shaping",
        "not modelled by peerlab and present in the QA: ABCI application and CheckTx time, the "
        "per-connection send/receive rate limits, the load arriving at one node, seed nodes and "
        "peer exchange (docs/tendermint.md, Not modelled)",
    ]
    return core.Outcome(table=table, comparisons=comparisons, figure=fig, notes=notes)


ENTRY = core.Entry(
    name="cometbft-qa-v1",
    title="CometBFT's 200-node QA testnet: blocks per minute with and without latency emulation",
    citation="CometBFT team, \"QA results for CometBFT v1.x\" (docs/references/qa/CometBFT-QA-v1.md"
             ", cometbft/cometbft), 200-nodes test run 2024-03-21",
    summary="blocks/min of 175 validators at 400 tx/s, with and without latency emulation",
    run=run)
