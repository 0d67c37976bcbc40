"""Every command and subcommand of `peerlab` and `peerlabd` answers --help with its options,
and misuse of a command line is one line on stderr naming the problem, a pointer to --help and
exit status 2 (cli/README.md)."""
import re
import subprocess

import pytest

# Each command line that has a --help, and options its help must list. A command missing here
# fails test_every_command_is_covered, so a new command cannot go untested.
HELP = {
    (): ["--help", "--version"] + [f"peerlab {c} " for c in (
        "run", "check", "testbed", "reference", "explore", "analyze", "report", "wire", "theory",
        "sweep", "reproduce", "help")],
    ("run",): ["FILE", "--seed N", "--threads N", "--out DIR", "--set KEY=VALUE", "--quiet",
               "--force", "--wire-check", "--ignore-memory-estimate"],
    ("check",): ["FILE", "--set KEY=VALUE", "--ignore-memory-estimate"],
    ("testbed",): ["FILE", "--set KEY=VALUE", "--out DIR", "--force", "--quiet", "--duration D",
                   "--chain NAME", "--link-mode MODE", "--peerlabd PATH"],
    ("reference",): ["--help"],
    ("explore",): ["FAMILY", "--runs N", "--seed S", "--time-budget D", "--out DIR",
                   "--jobs N", "--replay-every K", "--max-failures N", "--quiet"],
    ("analyze",): ["RUN_DIR", "--graph FILE", "--out DIR", "--threshold X", "--seed N"],
    ("report",): ["RUN_DIR", "--out FILE", "--open"],
    ("wire",): ["peerlab wire decode", "peerlab wire encode", "peerlab wire mine",
                "peerlab wire check-block", "peerlab wire help"],
    ("help",): ["peerlab run ", "peerlab wire "],  # `peerlab help`, as `peerlab --help`
    ("wire", "help"): ["peerlab wire decode", "peerlab wire check-block"],
    ("wire", "decode"): ["FILE", "--hex", "--magic NAME|HEX"],
    ("wire", "encode"): ["FILE", "--hex", "--magic NAME|HEX"],
    ("wire", "mine"): ["--chain NAME", "--blocks N", "--time T", "--script HEX"],
    ("wire", "check-block"): ["FILE", "--chain NAME"],
    ("theory",): ["peerlab theory selfish-mining", "peerlab theory double-spend",
                  "peerlab theory tendermint"],
    ("theory", "selfish-mining"): ["--alpha A", "--gamma G", "--optimal",
                                   "--max-fork-length T"],
    ("theory", "double-spend"): ["--q Q", "--z Z"],
    ("theory", "tendermint"): ["--validators N", "--byzantine K"],
    # The Python package parses these two (python/peerlab/__main__.py).
    ("sweep",): ["--workers", "--scheduler", "--store", "--csv", "--retry-failed", "--quiet"],
    ("reproduce",): ["--list", "--quick", "--out", "--workers", "--dask"],
}

PEERLABD_OPTIONS = [
    "--chain NAME", "--datadir DIR", "--listen IPV4:PORT", "--connect IPV4:PORT",
    "--connect-block-relay IPV4:PORT", "--mine SECONDS", "--mine-limit N", "--mine-until SECONDS",
    "--seed N", "--relay MODE", "--validation-fixed S", "--validation-per-mb S", "--outbound N",
    "--known-peer IPV4", "--max-inbound N", "--max-pending N", "--max-pending-per-address N",
    "--handshake-timeout S", "--max-blockless-headers N", "--idle-timeout S",
    "--ping-interval S", "--max-send-queue BYTES", "--link-delay IPV4=MS", "--source-ip IPV4",
    "--save-blocks", "--quiet"]


def run(binary, *args, **kwargs):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60, **kwargs)


def listed_commands(help_text, prefix):
    """The names in the "Commands:" (peerlab) or "Subcommands:" section of a CLI11 help text,
    rows `  PREFIX NAME ...`."""
    section = re.split(r"^(?:Sub)?[Cc]ommands:\n", help_text, maxsplit=1, flags=re.MULTILINE)[1]
    return {m.group(1) for m in re.finditer(rf"^  {prefix} (\S+)", section, re.MULTILINE)}


@pytest.mark.parametrize("path", sorted(HELP), ids=lambda p: " ".join(p) or "peerlab")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_the_options(peerlab_bin, path, flag):
    # `peerlab help` and `peerlab wire help` are the help of what they follow.
    res = run(peerlab_bin, *path) if path[-1:] == ("help",) else run(peerlab_bin, *path, flag)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert "usage" in res.stdout.lower()
    for option in HELP[path]:
        assert option in res.stdout, (path, option, res.stdout)


def test_help_wins_over_a_bad_value(peerlab_bin):
    res = run(peerlab_bin, "theory", "selfish-mining", "--alpha", "9", "--help")
    assert res.returncode == 0 and "--gamma G" in res.stdout and res.stderr == ""


def test_every_command_is_covered(peerlab_bin):
    """The commands `peerlab --help` lists, and the subcommands of those that have some, are
    exactly the ones HELP checks."""
    top = listed_commands(run(peerlab_bin, "--help").stdout, "peerlab")
    assert top == {p[0] for p in HELP if len(p) == 1}
    for command in ("wire", "theory"):
        subs = listed_commands(run(peerlab_bin, command, "--help").stdout, f"peerlab {command}")
        assert subs == {p[1] for p in HELP if len(p) == 2 and p[0] == command}


def test_peerlabd_help_lists_its_options(peerlabd):
    res = run(peerlabd, "--help")
    assert res.returncode == 0 and res.stderr == ""
    for option in PEERLABD_OPTIONS:
        assert option in res.stdout, option


def test_version(peerlab_bin):
    res = run(peerlab_bin, "--version")
    assert res.returncode == 0 and re.match(r"peerlab \S+ \(\S+\)\n$", res.stdout), res.stdout


@pytest.mark.parametrize("args, command, problem", [
    ([], "peerlab", "missing command"),
    (["frobnicate"], "peerlab", "frobnicate: unknown command"),
    (["--frobnicate"], "peerlab", "--frobnicate: unknown option"),
    (["run"], "peerlab run", "missing FILE"),
    (["run", "x.yaml", "--bogus"], "peerlab run", "--bogus: unknown option"),
    (["run", "x.yaml", "--out"], "peerlab run", "--out: needs a value"),
    (["run", "x.yaml", "--seed", "-3"], "peerlab run", "--seed: expected an integer from 0"),
    (["run", "x.yaml", "y.yaml"], "peerlab run", "y.yaml: unexpected argument"),
    (["check", "x.yaml", "--quiet"], "peerlab check", "--quiet: unknown option"),
    (["reference", "extra"], "peerlab reference", "extra: unexpected argument"),
    (["testbed", "x.yaml", "--link-mode", "netem"], "peerlab testbed",
     "--link-mode: expected userspace-delay or none, got 'netem'"),
    (["explore", "bitcoin", "--jobs", "0"], "peerlab explore",
     "--jobs: expected an integer from 1 to 256, got '0'"),
    (["explore", "ethereum"], "peerlab explore",
     "FAMILY: expected bitcoin or tendermint, got 'ethereum'"),
    (["analyze", "--threshold", "2", "run"], "peerlab analyze", "--threshold: must be in (0, 1]"),
    (["analyze", "--out", "d", "run"], "peerlab analyze", "--out requires --graph"),
    (["report"], "peerlab report", "missing RUN_DIR"),
    (["report", "run", "--out"], "peerlab report", "--out: needs a value"),
    (["wire"], "peerlab wire", "missing subcommand"),
    (["wire", "recode"], "peerlab wire", "recode: unknown subcommand"),
    (["wire", "decode", "--magic", "moon"], "peerlab wire decode", "--magic: expected mainnet"),
    (["wire", "mine"], "peerlab wire mine", "--chain: required"),
    (["wire", "mine", "--chain", "peerlab-sim", "--blocks", "x"], "peerlab wire mine",
     "--blocks: expected an integer from 0 to 100000, got 'x'"),
    (["wire", "check-block", "--chain", "nope"], "peerlab wire check-block",
     "--chain: unknown chain 'nope'"),
    (["theory", "selfish-mining", "--alpha", "x", "--gamma", "0"],
     "peerlab theory selfish-mining", "--alpha: expected a number, got 'x'"),
    (["theory", "double-spend", "--q", "0.1"], "peerlab theory double-spend", "--z: required"),
])
def test_misuse_is_one_line_and_exit_2(peerlab_bin, tmp_path, args, command, problem):
    res = run(peerlab_bin, *args, cwd=tmp_path)
    assert res.returncode == 2, (args, res.returncode, res.stderr)
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1, res.stderr
    assert res.stderr == f"{command}: {problem}" + res.stderr[len(command) + 2 + len(problem):]
    assert res.stderr.rstrip().endswith(f"(see {command} --help)"), res.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("args, problem", [
    (["--datadir", "d"], "--chain: required"),
    (["--chain", "peerlab-sim", "--datadir", "d", "--max-pending", "0"],
     "--max-pending: at least 1"),
    (["--chain", "peerlab-sim", "--datadir", "d", "--seed"], "--seed: needs a value"),
    (["--chain", "peerlab-sim", "--datadir", "d", "--frobnicate"], "--frobnicate: unknown option"),
])
def test_peerlabd_misuse_is_one_line_and_exit_2(peerlabd, tmp_path, args, problem):
    res = run(peerlabd, *args, cwd=tmp_path)
    assert res.returncode == 2, (args, res.stderr)
    assert res.stderr == f"peerlabd: {problem} (see peerlabd --help)\n"


def test_repeated_options(peerlab_bin, root):
    """--set repeats and every one applies; another option given twice: the last counts."""
    res = run(peerlab_bin, "check", str(root / "scenarios" / "bitcoin.yaml"), "--set",
              "network.nodes=300", "--set=name=twice", "--set", "network.nodes=200")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("ok: twice (200 nodes)")
