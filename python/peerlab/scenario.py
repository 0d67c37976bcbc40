"""Scenarios as values: a YAML text plus `--set` overrides, validated by the C++ parser.

A Scenario never holds a parsed C++ object, only the inputs to `_peerlab.parse`, so it pickles
to any worker (process pool, Dask) and every consumer re-validates exactly what the CLI would.
"""
from __future__ import annotations

import json
import math
import os
import re

import _peerlab

ScenarioError = _peerlab.ScenarioError

# A nested string that matches this and reads back as itself is safe unquoted inside flow YAML.
_PLAIN = re.compile(r"[A-Za-z0-9_./%µ+-](?:[A-Za-z0-9_./%µ +-]*[A-Za-z0-9_./%µ+-])?")


def _yaml_loads_to_itself(text: str) -> bool:
    import yaml  # only for deciding on quotes; PyYAML is a dependency of the CLI anyway

    try:
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


def _numeric(text: str) -> bool:
    """Numbers for the scenario parser (YAML 1.2) that PyYAML (1.1) reads as text: `1e-5`."""
    try:
        float(text)
        return True
    except ValueError:
        return False


def _scalar(value) -> str | None:
    """YAML text of a non-string scalar, or None when `value` is not one."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str)):
        value = value.item()  # numpy scalars behave like their Python counterparts
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    return None


def _nested(value) -> str:
    text = _scalar(value)
    if text is not None:
        return text
    if isinstance(value, str):
        # Inside a flow collection commas, brackets and YAML-typed words would change meaning.
        if _PLAIN.fullmatch(value) and _yaml_loads_to_itself(value) and not _numeric(value):
            return value
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted one
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_nested(str(k))}: {_nested(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_nested(v) for v in value) + "]"
    raise TypeError(f"cannot express {type(value).__name__} {value!r} as a scenario value")


def to_yaml(value) -> str:
    """The VALUE text of `--set KEY=VALUE` for a Python value.

    A top-level str is taken as YAML text, as on the command line (so "30 %", "2 h",
    "[summary]" or "{kind: random-regular}" mean what they mean after --set); it is quoted only
    when YAML would not read it as one value (empty, leading spaces, " #", a syntax error).
    """
    if isinstance(value, str):
        import yaml

        try:
            loaded = yaml.safe_load(value)
            plain_ok = value != "" and value == value.strip() and "\n" not in value
            if plain_ok and (not isinstance(loaded, str) or loaded == value):
                return value
        except yaml.YAMLError:
            pass
        return json.dumps(value, ensure_ascii=False)
    return _nested(value)


def _override_key(override: str) -> str:
    return override.split("=", 1)[0]


def merge_overrides(base: list[str], new: list[str]) -> list[str]:
    """`base` then `new`, an earlier override of a key set again being dropped.

    Applying KEY=a ... KEY=b is the same as applying only KEY=b at the end, so the list stays
    short and readable without changing what the parser sees.
    """
    keys = {_override_key(o) for o in new}
    return [o for o in base if _override_key(o) not in keys] + list(new)


def overrides_from(mapping: dict) -> list[str]:
    out = []
    for key, value in mapping.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"override keys are dotted paths (str), got {key!r}")
        out.append(f"{key}={to_yaml(value)}")
    return out


class Scenario:
    """A validated scenario: file text, the label errors name it by, its directory, overrides."""

    __slots__ = ("text", "label", "base_dir", "overrides", "_parsed")

    def __init__(self, text: str, label: str, base_dir: str, overrides=()):
        self.text = text
        self.label = label
        self.base_dir = base_dir
        self.overrides = list(overrides)
        self._parsed = _peerlab.parse(text, label, base_dir, self.overrides)

    def __getstate__(self):
        return {"text": self.text, "label": self.label, "base_dir": self.base_dir,
                "overrides": self.overrides, "_parsed": self._parsed}

    def __setstate__(self, state):
        for key, value in state.items():
            object.__setattr__(self, key, value)

    def with_(self, mapping: dict | None = None, /, **overrides) -> "Scenario":
        """A new Scenario with dotted-key overrides, validated now (raises ScenarioError).

        `s.with_({"groups.attacker.hashrate": 0.35})`, `s.with_(**{"network.nodes": 500})`,
        `s.with_(seed=4)`.
        """
        merged = dict(mapping or {})
        merged.update(overrides)
        return Scenario(self.text, self.label, self.base_dir,
                        merge_overrides(self.overrides, overrides_from(merged)))

    @property
    def name(self) -> str:
        return self._parsed["name"]

    @property
    def seed(self) -> int:
        return self._parsed["seed"]

    @property
    def nodes(self) -> int:
        return self._parsed["nodes"]

    @property
    def resolved(self) -> dict:
        """The scenario after defaults and overrides, as run.json's `resolved_scenario`."""
        return json.loads(self._parsed["resolved_json"])

    def __eq__(self, other):
        if not isinstance(other, Scenario):
            return NotImplemented
        return (self.text, self.base_dir, self.overrides) == (other.text, other.base_dir,
                                                              other.overrides)

    def __hash__(self):
        return hash((self.text, self.base_dir, tuple(self.overrides)))

    def __repr__(self):
        sets = "".join(f" --set {o}" for o in self.overrides)
        return f"<Scenario {self.name!r} ({self.nodes} nodes, seed {self.seed}) from {self.label}{sets}>"


# The scenario parser's bound (scenario/scenario.hpp kMaxScenarioBytes, docs/limits.md).
MAX_INPUT_BYTES = 8 << 20


def read_input_text(path: str, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The text of a user-named file, refused before reading unless it is a regular file of at
    most `max_bytes` (like the CLI's util/input_file.hpp): /dev/zero or a FIFO is a ScenarioError,
    never a hang or unbounded memory. A missing file raises OSError as open() would."""
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO without a writer cannot block
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else
                    "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else
                    "a character device" if stat.S_ISCHR(st.st_mode) else
                    "a block device" if stat.S_ISBLK(st.st_mode) else
                    "a socket" if stat.S_ISSOCK(st.st_mode) else "not a plain file")
            raise ScenarioError(f"{path}: cannot read file: is {kind}, not a regular file")
        if st.st_size > max_bytes:
            raise ScenarioError(f"{path}: cannot read file: is {st.st_size} bytes, more than the "
                                f"limit of {max_bytes >> 20} MiB")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ScenarioError(f"{path}: cannot read file: grew past the limit of "
                                f"{max_bytes >> 20} MiB while being read")
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{path}: byte {e.start}: not UTF-8 text") from None


def load(path, overrides: dict | None = None) -> Scenario:
    """Read and validate a scenario file; relative paths inside it resolve from its directory."""
    path = os.fspath(path)
    text = read_input_text(path)
    base_dir = os.path.dirname(os.path.abspath(path))
    scenario = Scenario(text, path, base_dir)
    return scenario.with_(overrides) if overrides else scenario


def shipped_scenarios_dir() -> str:
    """The folder of the shipped scenarios: peerlab/scenarios in a package installed with pip
    (setup.py copies them there), else the checkout's scenarios/ beside python/."""
    here = os.path.dirname(os.path.abspath(__file__))
    installed = os.path.join(here, "scenarios")
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(os.path.dirname(here)), "scenarios")


def shipped_scenario(name: str) -> str:
    """The path of a shipped scenario by its name under scenarios/ (`"selfish-mining.yaml"`,
    `"sweeps/default-100.yaml"`), for `load`; FileNotFoundError naming the shipped ones if
    there is no such file."""
    folder = shipped_scenarios_dir()
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        shipped = sorted(os.path.relpath(os.path.join(d, f), folder)
                         for d, _, files in os.walk(folder) for f in files if f.endswith(".yaml"))
        raise FileNotFoundError(f"no shipped scenario `{name}` in {folder} (shipped: "
                                f"{', '.join(shipped) or 'none'})")
    return path
