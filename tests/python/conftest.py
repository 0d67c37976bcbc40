import os
import pathlib
import sys

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
