"""`pip install .` into a fresh virtual environment, offline with Debian's packages only
(docs/python.md "Installing with pip"): the wheel's build drives CMake for the module _peerlab,
and the installed package, its shipped scenarios and the `peerlab` entry point work without the
checkout on the path.

The install runs in a copy of the checkout's files (git's tracked and untracked-but-not-ignored
files), so nothing is written into the checkout; its CMake tree is the copy's build/wheel, as
deep as build/release, so ccache (CCACHE_BASEDIR = the copy) reuses the objects of the
checkout's own build. With those cached the install takes under a minute on 2 cores (only the
files that include the version header recompile: the copy has no git commit); with a cold cache
it compiles every library the module links, 8 CPU-minutes (18 minutes on a busy 2-core machine).

One test function: under pytest-xdist (scripts/test) the checks of separate tests could land on
separate workers, each installing again.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
INSTALL = ["-m", "pip", "install", "--no-build-isolation", "--no-index", "--no-cache-dir", "."]


def checkout_files():
    """Relative paths of the checkout's source files (not build trees, venvs or caches)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
        return [p for p in out.stdout.decode().split("\0") if p and (ROOT / p).is_file()]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: skip what git ignores
        skip = {".git", "build", ".venv", "__pycache__", "runs"}
        return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)]


def tree(folder):
    """Every file under `folder` except build/, as relative paths."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and p.relative_to(folder).parts[0] != "build"}


def clean_env(source):
    """The environment for pip and the installed package: no PYTHONPATH (conftest points it
    at the checkout), no pip configuration of this machine (extra package locations), ccache
    keyed on the copy."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "PYTHON", "CCACHE_", "CMAKE_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["CCACHE_BASEDIR"] = str(source)
    env["CMAKE_BUILD_PARALLEL_LEVEL"] = str(os.cpu_count() or 2)
    return env


def install(base):
    """`pip install .` of a copy of the checkout into a fresh venv under `base`; returns (venv
    folder, environment, work folder)."""
    source = base / "src"
    for rel in checkout_files():
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, source / rel)
    before = tree(source)
    venv = base / "env"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=300)
    env = clean_env(source)
    res = subprocess.run([str(venv / "bin" / "python"), *INSTALL], cwd=source, env=env,
                         capture_output=True, text=True, timeout=3600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "Successfully installed peerlab-" in res.stdout
    # Outside build/ (ignored by git) the install wrote nothing into the tree it built from.
    assert tree(source) == before
    work = base / "work"  # neither the checkout nor the copy: imports come from the venv
    work.mkdir()
    return venv, env, work


def test_pip_install_into_a_fresh_venv(tmp_path):
    installed = install(tmp_path)
    try:
        check_the_build_made_only_the_module(installed)
        check_a_shipped_scenario_runs_as_in_the_checkout(installed)
        check_entry_point_help_version_and_other_commands(installed)
        check_entry_point_sweeps_and_lists_the_gallery(installed)
    finally:
        shutil.rmtree(tmp_path / "src" / "build", ignore_errors=True)  # tens of MB


def check_the_build_made_only_the_module(installed):
    build = installed[0].parent / "src" / "build" / "wheel"
    assert len(list((build / "python").glob("_peerlab*.so"))) == 1
    # The C++ programs and the tests are not built (and tests are not even configured).
    assert not (build / "peerlab").exists() and not (build / "peerlabd").exists()
    assert not (build / "tests").exists()
    cache = (build / "CMakeCache.txt").read_text()
    assert "CMAKE_BUILD_TYPE:STRING=Release" in cache
    assert f"PEERLAB_PYTHON_EXECUTABLE:FILEPATH={installed[0]}/bin/python" in cache


def check_a_shipped_scenario_runs_as_in_the_checkout(installed):
    venv, env, work = installed
    code = """if True:
        import json, os, sys, peerlab, _peerlab
        path = peerlab.shipped_scenario("default.yaml")
        s = peerlab.load(path).with_({"network.nodes": 60, "stop.blocks": 8})
        r = peerlab.run(s, seed=3)
        print(json.dumps({"package": peerlab.__file__, "module": _peerlab.__file__,
                          "scenario": path, "prefix": sys.prefix, "summary": r.summary}))
    """
    res = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=work, env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    site = f"{venv}/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
    assert out["package"] == f"{site}/peerlab/__init__.py"
    assert out["module"].startswith(f"{site}/_peerlab")
    assert out["scenario"] == f"{site}/peerlab/scenarios/default.yaml"
    assert out["summary"]["blocks"]["mined"] == 8
    assert out["summary"]["blocks"]["main_chain"] >= 1
    # The same run with the checkout's build (conftest's path): the same summary.
    import peerlab

    here = peerlab.run(peerlab.load(ROOT / "scenarios" / "default.yaml").with_(
        {"network.nodes": 60, "stop.blocks": 8}), seed=3)
    assert out["summary"] == here.summary


def entry(installed, *args):
    venv, env, work = installed
    return subprocess.run([str(venv / "bin" / "peerlab"), *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)


def check_entry_point_help_version_and_other_commands(installed):
    res = entry(installed, "--help")
    assert res.returncode == 0 and "peerlab sweep SWEEP.yaml" in res.stdout
    assert "peerlab reproduce NAME|--list" in res.stdout
    res = entry(installed, "--version")
    assert res.returncode == 0 and res.stdout.startswith("peerlab 0.")
    res = entry(installed, "sweep", "--help")
    assert res.returncode == 0 and res.stdout.startswith("Usage: peerlab sweep")
    # The C++ program's commands are named as such; exit status 2 as for any misuse.
    res = entry(installed, "run", "x.yaml")
    assert res.returncode == 2 and "command of the C++ program" in res.stderr
    res = entry(installed, "nonsense")
    assert res.returncode == 2 and "unknown command `nonsense`" in res.stderr
    res = entry(installed)
    assert res.returncode == 2 and "Usage: peerlab sweep" in res.stderr


def check_entry_point_sweeps_and_lists_the_gallery(installed):
    venv, env, work = installed
    scenario = subprocess.run([str(venv / "bin" / "python"), "-c",
                               "import peerlab; print(peerlab.shipped_scenario('default.yaml'))"],
                              cwd=work, env=env, capture_output=True, text=True,
                              timeout=120).stdout.strip()
    (work / "sweep.yaml").write_text(f"scenario: {scenario}\nseeds: [1, 2]\n"
                                     "grid:\n  network.nodes: [60]\n  stop.blocks: [8]\n")
    res = entry(installed, "sweep", "sweep.yaml", "--workers", "2", "--quiet", "--csv",
                "table.csv")
    assert res.returncode == 0, res.stderr
    assert "2 done, 0 failed, 0 already stored" in res.stdout
    assert str(work / "sweep.sqlite") in res.stdout
    import pandas as pd

    table = pd.read_csv(work / "table.csv")
    assert table["status"].tolist() == ["ok", "ok"]
    assert table["blocks.mined"].tolist() == [8, 8]
    res = entry(installed, "reproduce", "--list")
    assert res.returncode == 0, res.stderr
    assert "eyal-sirer-2014" in res.stdout and "nakamoto-2008" in res.stdout
