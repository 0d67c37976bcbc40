import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def peerlab_bin():
    build = pathlib.Path(os.environ.get("PEERLAB_BUILD_DIR", ROOT / "build" / "release"))
    exe = build / "peerlab"
    assert exe.exists(), f"{exe} not built; run scripts/test"
    return str(exe)


@pytest.fixture
def root():
    return ROOT
