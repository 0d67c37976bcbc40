"""`peerlab report` (docs/report.md): the page of small runs of several kinds opened in headless
Chromium with no network; the page's own error list stays empty, the propagation viewer plays,
screenshots are not blank. Also reach.csv (outputs: reach) against blocks.csv's thresholds."""
import csv
import json
import math
import re
import shutil
import struct
import subprocess
import zlib

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium")


def peerlab(peerlab_bin, *args, timeout=600):
    return subprocess.run([peerlab_bin, *args], capture_output=True, text=True, timeout=timeout)


def run_scenario(peerlab_bin, root, out, scenario, *sets):
    args = ["run", str(root / "scenarios" / scenario), "--out", str(out), "--quiet"]
    for s in sets:
        args += ["--set", s]
    r = peerlab(peerlab_bin, *args)
    assert r.returncode == 0, r.stderr
    return out


def chromium(tmp_path, url, *flags, budget_ms=6000):
    """Headless Chromium with name resolution and proxies turned off: the page must need no
    network. Its own profile directory, so parallel tests do not share one."""
    assert CHROMIUM, "chromium is not installed (scripts/setup.sh installs it)"
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-extensions", f"--user-data-dir={profile}",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--no-proxy-server",
           f"--virtual-time-budget={budget_ms}", *flags, url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def open_report(tmp_path, page, fragment="#selftest"):
    """The page's DOM after its script ran: status, recorded errors, sections, self-test."""
    dom = chromium(tmp_path, page.as_uri() + fragment, "--dump-dom")
    status = re.search(r'<body[^>]*data-status="([a-z]+)"', dom)
    errors = re.search(r'<pre id="errors"[^>]*>(.*?)</pre>', dom, re.S)
    selftest = re.search(r'<pre id="selftest">(.*?)</pre>', dom, re.S)
    return {
        "dom": dom,
        "status": status.group(1) if status else None,
        "errors": errors.group(1).strip() if errors else None,
        "sections": re.findall(r'<section id="([a-z]+)"', dom),
        "selftest": json.loads(selftest.group(1)) if selftest else None,
    }


def png_pixels(path):
    """Decodes an 8-bit RGB or RGBA PNG (what Chromium writes) into a list of RGB tuples."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6), header
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return [tuple(row[x * bpp:x * bpp + 3]) for row in rows for x in range(width)]


def assert_not_blank(png):
    pixels = png_pixels(png)
    colours = set(pixels)
    drawn = sum(1 for p in pixels if p != (255, 255, 255)) / len(pixels)
    assert len(colours) > 50, f"{png}: only {len(colours)} colours"
    assert drawn > 0.05, f"{png}: {drawn:.1%} of the pixels are not white"


@pytest.fixture(scope="module")
def bitcoin_run(peerlab_bin, tmp_path_factory):
    """200 nodes, 4 blocks, every per-node arrival recorded, and an analysis.json."""
    out = tmp_path_factory.mktemp("report") / "default"
    run_scenario(peerlab_bin, ROOT, out, "default.yaml", "network.nodes=200", "stop.blocks=4",
                 "outputs=[summary, blocks, transactions, reach]")
    r = peerlab(peerlab_bin, "analyze", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_reach_csv_agrees_with_blocks_csv(bitcoin_run):
    """Each block's arrivals, in time order, cross blocks.csv's 50/90/99/100 % thresholds at
    the same times (to the microsecond reach.csv keeps); the miner's row is 0."""
    nodes = sum(1 for _ in csv.DictReader(open(bitcoin_run / "nodes.csv")))
    blocks = list(csv.DictReader(open(bitcoin_run / "blocks.csv")))
    rows = list(csv.DictReader(open(bitcoin_run / "reach.csv")))
    assert rows and list(rows[0].keys()) == ["block", "node", "after_us"]
    per_block = {}
    for r in rows:
        per_block.setdefault(int(r["block"]), []).append((int(r["after_us"]), int(r["node"])))
    assert set(per_block) == set(range(len(blocks)))
    for b, arrivals in per_block.items():
        assert arrivals == sorted(arrivals), f"block {b} not in time order"
        assert len({n for _, n in arrivals}) == len(arrivals) <= nodes
        assert arrivals[0] == (0, int(blocks[b]["miner_node"]))
        for share, column in ((0.5, "reach_50_s"), (0.9, "reach_90_s"), (0.99, "reach_99_s"),
                              (1.0, "reach_100_s")):
            need = math.ceil(share * nodes - 1e-9)
            if blocks[b][column] == "":
                assert len(arrivals) < need
                continue
            assert abs(arrivals[need - 1][0] / 1e6 - float(blocks[b][column])) <= 1e-6


def test_reach_csv_is_deterministic(bitcoin_run, peerlab_bin, tmp_path):
    again = run_scenario(peerlab_bin, ROOT, tmp_path / "again", "default.yaml",
                         "network.nodes=200", "stop.blocks=4",
                         "outputs=[summary, blocks, transactions, reach]")
    assert (again / "reach.csv").read_bytes() == (bitcoin_run / "reach.csv").read_bytes()


def test_report_of_a_bitcoin_run_plays(bitcoin_run, tmp_path, peerlab_bin):
    r = peerlab(peerlab_bin, "report", str(bitcoin_run))
    assert r.returncode == 0, r.stderr
    page = bitcoin_run / "report.html"
    html = page.read_text()
    # Self-contained: no file, script or style is fetched.
    assert not re.search(r'<(script|link|img|iframe)[^>]*\s(src|href)=', html)
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    shown = open_report(tmp_path, page)
    assert shown["errors"] == "" and shown["status"] == "ok", shown["errors"]
    for section in ("overview", "propagation", "forks", "viewer", "tables", "topology", "analysis"):
        assert section in shown["sections"]
    st = shown["selftest"]
    assert st["viewer"] is True
    assert st["later"]["t"] > st["first"]["t"]
    assert st["later"]["reached"] > st["first"]["reached"] >= 1


def test_screenshots_are_not_blank(bitcoin_run, tmp_path, peerlab_bin):
    assert peerlab(peerlab_bin, "report", str(bitcoin_run)).returncode == 0
    page = bitcoin_run / "report.html"
    for fragment, size in (("", "1280,1600"), ("#viewer", "1000,640")):
        png = tmp_path / f"shot{len(fragment)}.png"
        chromium(tmp_path, page.as_uri() + fragment, f"--screenshot={png}",
                 f"--window-size={size}", "--hide-scrollbars", budget_ms=3000)
        assert_not_blank(png)


@pytest.mark.parametrize("scenario,sets,sections", [
    ("tendermint.yaml", ["stop.heights=5", "network.nodes=60", "groups.validators.nodes=10"],
     ["overview", "propagation", "forks", "proposers"]),
    # The censored class's inclusion delay in the transaction classes table.
    ("tendermint-censor.yaml", ["stop.heights=8", "network.nodes=120", "groups.honest.nodes=14",
                                "groups.censors.nodes=6"], ["overview", "forks", "tables"]),
    ("partition.yaml", ["network.nodes=300"], ["overview", "forks", "topology"]),
    ("selfish-mining.yaml", ["stop.blocks=60", "outputs=[summary, blocks, reach]"],
     ["overview", "viewer", "attacks"]),
    ("censorship.yaml", ["stop.blocks=20", "network.nodes=100"], ["overview", "attacks"]),
    # Packet level: the same arrivals recorded through the ns-3 transport.
    ("default.yaml", ["network.backend=ns3", "network.nodes=40", "stop.blocks=1",
                      "outputs=[summary, blocks, reach]"], ["overview", "viewer", "topology"]),
])
def test_report_of_shipped_scenarios(peerlab_bin, root, tmp_path, scenario, sets, sections):
    out = run_scenario(peerlab_bin, root, tmp_path / "run", scenario, *sets)
    assert peerlab(peerlab_bin, "report", str(out)).returncode == 0
    shown = open_report(tmp_path, out / "report.html")
    assert shown["errors"] == "" and shown["status"] == "ok", shown["errors"]
    for section in sections:
        assert section in shown["sections"], shown["sections"]
    if "viewer" in sections:
        st = shown["selftest"]
        assert st["later"]["reached"] > st["first"]["reached"], st


def test_report_of_a_testbed_run(peerlab_bin, tmp_path):
    """peerlabd processes on loopback: reach.csv from the daemons' own tables, the same page."""
    out = tmp_path / "testbed"
    r = peerlab(peerlab_bin, "testbed", str(ROOT / "scenarios" / "testbed-20.yaml"), "--out",
                str(out), "--set", "stop.time=25s", "--set", "stop.drain=5s", "--set",
                "network.nodes=5", "--set", "groups.miners.nodes=2", "--set",
                "outputs=[summary, blocks, reach]", timeout=300)
    assert r.returncode == 0, r.stderr
    blocks = list(csv.DictReader(open(out / "blocks.csv")))
    rows = list(csv.DictReader(open(out / "reach.csv")))
    mined = [i for i, b in enumerate(blocks) if b["miner_node"] != ""]
    assert mined, "no block mined in 25 s at one per 10 s"
    for b in mined:
        arrivals = [int(r["after_us"]) for r in rows if int(r["block"]) == b]
        assert arrivals[0] == 0 and arrivals == sorted(arrivals)
        if blocks[b]["reach_100_s"] != "":
            assert len(arrivals) == 5
            assert abs(arrivals[-1] / 1e6 - float(blocks[b]["reach_100_s"])) <= 1e-6
    assert peerlab(peerlab_bin, "report", str(out)).returncode == 0
    shown = open_report(tmp_path, out / "report.html")
    assert shown["errors"] == "" and shown["status"] == "ok", shown["errors"]
    assert "viewer" in shown["sections"] and shown["selftest"]["viewer"] is True


def test_embedded_files_cannot_end_the_script(tmp_path, peerlab_bin):
    """A run directory's text reaches the page as data, whatever it holds; a directory with
    only summary.json (a partial run) still gets a page."""
    run = tmp_path / "odd"
    run.mkdir()
    name = "x</script><script>document.title='owned'</script>\\<"
    (run / "summary.json").write_text(json.dumps({"scenario": name, "nodes": 2}))
    (run / "nodes.csv").write_text(
        "node,region,as,group,hashrate,online\n0,</SCRIPT>r\\<,1,g,1,true\n1,eu,1,g,0,true\n")
    (run / "edges.csv").write_text("source,target,type\n0,1,full-relay\n")
    assert peerlab(peerlab_bin, "report", str(run)).returncode == 0
    shown = open_report(tmp_path, run / "report.html", "")
    assert shown["errors"] == "" and shown["status"] == "ok", shown["errors"]
    assert "owned" not in re.search(r"<title>(.*?)</title>", shown["dom"]).group(1)
    # Both strings come back exactly, as text on the page.
    assert "x&lt;/script&gt;&lt;script&gt;document.title='owned'&lt;/script&gt;\\&lt;" in shown["dom"]
    assert "&lt;/SCRIPT&gt;r\\&lt;" in shown["dom"]


def test_a_corrupt_file_is_reported_in_the_page(tmp_path, peerlab_bin):
    """The error list the other tests read is live: a summary.json that is not JSON fails the
    sections that read it, visibly, and the page says status=error; the rest still draws."""
    run = tmp_path / "corrupt"
    run.mkdir()
    (run / "summary.json").write_text('{"nodes": ')
    (run / "nodes.csv").write_text("node,region,as,group,hashrate,online\n0,eu,1,g,1,true\n")
    (run / "edges.csv").write_text("source,target,type\n")
    assert peerlab(peerlab_bin, "report", str(run)).returncode == 0
    shown = open_report(tmp_path, run / "report.html", "")
    assert shown["status"] == "error"
    assert "overview: SyntaxError" in shown["errors"], shown["errors"]
    assert "topology" in shown["sections"]


def test_cli(peerlab_bin, tmp_path):
    r = peerlab(peerlab_bin, "report", "--help")
    assert r.returncode == 0 and "peerlab report" in r.stdout and "--open" in r.stdout
    r = peerlab(peerlab_bin, "report")
    assert r.returncode == 2 and "missing RUN_DIR" in r.stderr
    r = peerlab(peerlab_bin, "report", str(tmp_path), "--frobnicate")
    assert r.returncode == 2 and "--frobnicate: unknown option" in r.stderr
    r = peerlab(peerlab_bin, "report", str(tmp_path))
    assert r.returncode == 1 and "not a run directory" in r.stderr
    assert not (tmp_path / "report.html").exists()
    # --open without xdg-open on PATH: the page's path on stdout, to open by hand.
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text("{}")
    r = subprocess.run([peerlab_bin, "report", str(run), "--open"], capture_output=True,
                       text=True, timeout=60, env={"PATH": str(tmp_path / "nothing-here")})
    assert r.returncode == 0 and r.stdout == f"{run / 'report.html'}\n", r
    # Tendermint runs have no per-node block arrivals to write.
    r = peerlab(peerlab_bin, "check", str(ROOT / "scenarios" / "tendermint.yaml"),
                "--set", "outputs=[summary, reach]")
    assert r.returncode == 2 and "`reach` is not written by the tendermint family" in r.stderr
