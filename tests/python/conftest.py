import os
import pathlib
import shutil
import sqlite3
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("PEERLAB_BUILD_DIR", ROOT / "build" / "release"))

# The peerlab package (python/) and its compiled module (BUILD/python), for this process and,
# through PYTHONPATH, for the subprocesses, process pools and Dask workers the tests start.
_PY_PATHS = [str(ROOT / "python"), str(BUILD / "python")]
for _p in reversed(_PY_PATHS):
    if _p not in sys.path:
        sys.path.insert(0, _p)
os.environ["PYTHONPATH"] = os.pathsep.join(
    _PY_PATHS + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])


def thp_mode():
    """The kernel's transparent huge page mode ("always", "madvise", "never"; "" unknown)."""
    try:
        modes = open("/sys/kernel/mm/transparent_hugepage/enabled").read()
    except OSError:
        return ""
    return next((m for m in ("always", "madvise", "never") if f"[{m}]" in modes), "")


def heap_gets_huge_pages_by_default():
    """What util/huge_pages.hpp promises: THP `always`, or `madvise` with a glibc (2.35+)
    that takes the glibc.malloc.hugetlb tunable."""
    major, minor = (int(x) for x in os.confstr("CS_GNU_LIBC_VERSION").split()[1].split(".")[:2])
    return thp_mode() == "always" or (thp_mode() == "madvise" and (major, minor) >= (2, 35))


@pytest.fixture(scope="session")
def peerlab_bin():
    exe = BUILD / "peerlab"
    assert exe.exists(), f"{exe} not built; run scripts/test"
    return str(exe)


@pytest.fixture
def root():
    return ROOT


@pytest.fixture(scope="session")
def small():
    """scenarios/default.yaml cut to a few hundredths of a second per run."""
    import peerlab

    return peerlab.load(str(ROOT / "scenarios" / "default.yaml")).with_(
        {"network.nodes": 60, "stop.blocks": 8})


@pytest.fixture
def litecoind():
    """A fresh litecoind on regtest (tests/python/litecoind.py); fails if it is not installed."""
    from litecoind import LITECOIND, Litecoind

    if not os.access(LITECOIND, os.X_OK):
        pytest.fail(f"{LITECOIND} is not installed: the interop tests need the Debian package "
                    "'litecoind' (scripts/setup.sh installs it)")
    datadir = tempfile.mkdtemp(prefix="peerlab-ltc-", dir="/tmp")
    try:
        node = Litecoind(datadir)
    except RuntimeError as e:
        shutil.rmtree(datadir, ignore_errors=True)
        pytest.fail(str(e))
    try:
        yield node
    finally:
        node.stop()
        shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture(scope="session")
def peerlabd():
    """The built peerlabd executable."""
    exe = BUILD / "peerlabd"
    assert exe.exists(), f"{exe} not built; run scripts/test"
    return str(exe)


@pytest.fixture
def spawn(peerlabd, tmp_path):
    """start(name, *args, chain=..., fd_limit=...): a peerlabd child process in tmp_path/name,
    killed at the end of the test if it is still running (peerlabd_proc.Daemon)."""
    from peerlabd_proc import Daemon

    daemons = []

    def start(name, *args, **kwargs):
        d = Daemon(peerlabd, tmp_path / name, *args, **kwargs)
        daemons.append(d)
        return d

    yield start
    for d in daemons:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()


def ok_runs(store):
    """Runs stored as ok in a sweep store another process may be writing (0 before it exists)."""
    try:
        db = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM runs WHERE status='ok'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:
        return 0
