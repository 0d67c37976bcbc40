"""peerlab from Python: load and vary scenarios, run them, sweep parameters (docs/python.md).

    import peerlab
    s = peerlab.load("scenarios/selfish-mining.yaml")
    r = peerlab.run(s.with_({"groups.attacker.hashrate": 0.35}), seed=2)
    r.summary["groups"], r.blocks.head()
    df = peerlab.sweep(s, {"groups.attacker.hashrate": [0.1, 0.2, 0.3]}, seeds=5)
"""
try:
    import _peerlab
except ImportError as e:  # the compiled half lives in the build tree, not in this folder
    raise ImportError(
        "peerlab needs its compiled module _peerlab: build with `cmake --build --preset release` "
        "and put build/release/python on sys.path (the .venv made by scripts/setup.sh does), "
        "or install the package with pip from the checkout, which builds it (see "
        f"docs/python.md): {e}") from e

from .result import Analysis, Result, analyze, run, theory
from .scenario import Scenario, ScenarioError, load, shipped_scenario
from .sweep import RandomDesign, sweep

version = _peerlab.version
__version__ = version

__all__ = ["Analysis", "RandomDesign", "Result", "Scenario", "ScenarioError", "analyze", "load",
           "run", "shipped_scenario", "sweep", "theory", "version"]
