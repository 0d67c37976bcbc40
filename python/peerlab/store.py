"""The SQLite file a sweep records its runs in, one transaction per finished run.

Only the process that calls `sweep` writes (workers return results to it), so there is never
write contention; WAL mode lets other processes read the store while a sweep is filling it.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_key TEXT PRIMARY KEY,
    scenario_sha256 TEXT NOT NULL,
    overrides TEXT NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    error TEXT,
    summary TEXT,
    manifest TEXT,
    session TEXT NOT NULL,
    finished_order INTEGER NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS metrics (
    run_key TEXT NOT NULL REFERENCES runs(run_key) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (run_key, name)
);
CREATE INDEX IF NOT EXISTS metrics_by_name ON metrics(name);
CREATE TABLE IF NOT EXISTS sessions (
    session TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    scenario_label TEXT NOT NULL,
    scenario_sha256 TEXT NOT NULL,
    overrides TEXT NOT NULL,
    planned INTEGER NOT NULL,
    executor TEXT NOT NULL
);
"""


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_key(scenario_sha256: str, overrides: list[str], params: dict, seed: int) -> str:
    """Identity of a run: same scenario text, base overrides, parameters and seed, same key.

    Key order of `params` does not matter (canonical JSON), so a grid written in another order
    still finds its runs.
    """
    ident = {"scenario_sha256": scenario_sha256, "overrides": list(overrides),
             "params": params, "seed": int(seed)}
    return sha256_text(canonical_json(ident))


def flatten(value, prefix: str = "", out: dict | None = None) -> dict:
    """Numeric leaves of a summary under dotted names (`groups.attacker.revenue_share`);
    list items by index (`partitions.0.duration_s`), booleans as 0/1, text and nulls left out."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            flatten(item, f"{prefix}.{i}" if prefix else str(i), out)
    elif isinstance(value, bool):
        out[prefix] = float(value)
    elif isinstance(value, (int, float)):
        out[prefix] = float(value)
    return out


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Store:
    """Open (creating if needed) a sweep store."""

    def __init__(self, path: str):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a killed process
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_SCHEMA)
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                            (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise ValueError(f"{path}: sweep store schema {row[0]}, this peerlab writes "
                             f"{SCHEMA_VERSION}")

    def close(self):
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def start_session(self, session: str, label: str, scenario_sha256: str,
                      overrides: list[str], planned: int, executor: str):
        self.db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (session, _utc_now(), label, scenario_sha256, canonical_json(overrides),
                         planned, executor))

    def existing(self, keys) -> dict:
        """run_key -> row dict for those of `keys` already stored."""
        keys = list(keys)
        found = {}
        for i in range(0, len(keys), 500):  # stay under SQLite's bound-variable limit
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            cur = self.db.execute(
                f"SELECT run_key, status, error, summary, session, finished_order FROM runs "
                f"WHERE run_key IN ({marks})", chunk)
            for key, status, error, summary, session, order in cur:
                found[key] = {"status": status, "error": error, "summary": summary,
                              "session": session, "finished_order": order}
        return found

    def record(self, key: str, scenario_sha256: str, overrides: list[str], params: dict,
               seed: int, session: str, status: str, error: str | None,
               summary_json: str | None, manifest_json: str | None) -> int:
        """Store one finished run (replacing an earlier attempt) in one transaction; returns
        its finished_order."""
        metrics = flatten(json.loads(summary_json)) if summary_json else {}
        self.db.execute("BEGIN IMMEDIATE")
        try:
            order = self.db.execute(
                "SELECT COALESCE(MAX(finished_order), 0) + 1 FROM runs").fetchone()[0]
            self.db.execute("DELETE FROM metrics WHERE run_key = ?", (key,))
            self.db.execute("DELETE FROM runs WHERE run_key = ?", (key,))
            self.db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, scenario_sha256, canonical_json(overrides), canonical_json(params),
                 int(seed), status, error, summary_json, manifest_json, session, order,
                 _utc_now()))
            self.db.executemany("INSERT INTO metrics VALUES (?, ?, ?)",
                                [(key, name, value) for name, value in metrics.items()])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return order
