"""The default sweep executor: worker processes that run one job at a time, so a run that kills
its worker (an abort in the C++ core, the OOM killer) is pinned on that run alone.

Contract:
- `run_jobs(jobs, workers, env)` yields `(key, outcome)` in completion order for every job it
  could run, where `outcome` is what `sweep._run_one` returns, or `("failed", "worker died:
  ...", None, None)` when the worker running that job died. The other jobs go on, and a dead
  worker is replaced while jobs remain.
- Workers never outlive the calling process: each asks the kernel for SIGKILL when its parent
  dies (Linux PR_SET_PDEATHSIG), and also stops when its job pipe closes. Closing the generator
  (normal end, an exception, KeyboardInterrupt) kills and reaps every worker before it returns.
- Workers ignore SIGINT and SIGTERM: the parent alone decides when they stop, so a Ctrl-C or a
  SIGTERM sent to the whole process group never turns into a "worker died" failure.

Why not concurrent.futures.ProcessPoolExecutor: when one of its workers dies, the whole pool is
broken and every pending future fails with BrokenProcessPool, with no way to tell which run was
at fault; its workers also survive a SIGKILLed parent. Here the protocol is one JSON line per
job on the worker's stdin and one per outcome on a private copy of its stdout.
"""
from __future__ import annotations

import ctypes
import json
import os
import selectors
import signal
import subprocess
import sys

_PR_SET_PDEATHSIG = 1
_STDERR_TAIL = 4096  # bytes of a worker's stderr kept for the "worker died" message
_READY = "ready"


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent goes; if the parent is already gone
    (it died before this call), stop now. Elsewhere the closed job pipe stops the worker."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def worker_main(parent_pid: int) -> None:
    """Body of a worker process (`python -c ...` started by run_jobs)."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Outcomes go on a private copy of stdout; fd 1 itself now points at stderr, so whatever a
    # run prints cannot corrupt the protocol.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    from .sweep import _run_one  # imports _peerlab: a broken install fails before "ready"

    channel.write(json.dumps(_READY) + "\n")
    channel.flush()
    for line in sys.stdin:
        outcome = _run_one(*json.loads(line))
        channel.write(json.dumps(list(outcome)) + "\n")
        channel.flush()


class WorkerStartError(RuntimeError):
    """A worker died before it could take a job: the installation, not a run, is at fault."""


def _death_message(returncode: int, stderr_tail: bytes) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "?"
        what = f"worker died: signal {-returncode} ({name})"
    else:
        what = f"worker died: exit status {returncode}"
    lines = [ln.strip() for ln in stderr_tail.decode("utf-8", "replace").splitlines()]
    last = next((ln for ln in reversed(lines) if ln), "")
    return f"{what}: {last}" if last else what


def _drain(f) -> bytes:
    """What is left in a dead worker's pipe, without waiting for anyone else holding it."""
    out = b""
    try:
        os.set_blocking(f.fileno(), False)
        while len(out) < 1 << 20:
            chunk = os.read(f.fileno(), 65536)
            if not chunk:
                break
            out += chunk
    except (OSError, ValueError):
        pass
    return out


class _Worker:
    def __init__(self, env: dict):
        code = f"from peerlab.pool import worker_main; worker_main({os.getpid()})"
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                     close_fds=True)
        self.out = b""  # protocol bytes not yet forming a line
        self.err = b""  # stderr tail since the current job started
        self.ready = False
        self.job = None  # (key, args) being run

    def send(self, key, args) -> bool:
        self.job, self.err = (key, args), b""
        try:
            self.proc.stdin.write((json.dumps(list(args)) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass
        self.proc.wait()


def worker_env(extra: dict | None = None) -> dict:
    """The environment of a worker: this one, plus the folders this process imported peerlab
    and _peerlab from (a script may have put them on sys.path at run time), plus `extra`."""
    import _peerlab

    env = dict(os.environ)
    paths = [os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
             os.path.dirname(os.path.abspath(_peerlab.__file__))]
    paths += [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p not in paths]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra or {})
    return env


def run_jobs(jobs, workers: int, env: dict):
    """Run `jobs` ([(key, args)] with args for sweep._run_one) on `workers` processes; a
    generator of (key, outcome) in completion order (see the module contract)."""
    pending = list(reversed(jobs))  # pop() from the end gives submission order
    sel = selectors.DefaultSelector()
    live = []

    def start():
        w = _Worker(env)
        live.append(w)
        sel.register(w.proc.stdout, selectors.EVENT_READ, (w, "out"))
        sel.register(w.proc.stderr, selectors.EVENT_READ, (w, "err"))

    def feed(w):
        while pending:
            key, args = pending.pop()
            if w.send(key, args):
                return
            pending.append((key, args))  # never reached the worker: not its fault
            w.job = None
            return

    def bury(w):
        """A worker's stdout closed: it is gone. Returns the outcome of its job, if any."""
        for f in (w.proc.stdout, w.proc.stderr):
            try:
                sel.unregister(f)
            except (KeyError, ValueError):
                pass
        try:
            w.proc.wait(timeout=10)  # its output closed because it is exiting
        except subprocess.TimeoutExpired:
            pass
        w.err = (w.err + _drain(w.proc.stderr))[-_STDERR_TAIL:]
        w.kill()
        live.remove(w)
        if not w.ready:
            raise WorkerStartError("sweep worker did not start: "
                                   + _death_message(w.proc.returncode, w.err))
        job, w.job = w.job, None
        if job is None:
            return None
        return job[0], ("failed", _death_message(w.proc.returncode, w.err), None, None)

    try:
        for _ in range(max(1, min(workers, len(pending)))):
            start()
        while live:
            for sk, _ in sel.select():
                w, stream = sk.data
                if w not in live:
                    continue
                chunk = os.read(sk.fd, 65536)
                if stream == "err":
                    if not chunk:
                        sel.unregister(sk.fileobj)
                        continue
                    sys.stderr.write(chunk.decode("utf-8", "replace"))
                    w.err = (w.err + chunk)[-_STDERR_TAIL:]
                    continue
                if not chunk:
                    lost = bury(w)
                    if lost is not None:
                        yield lost
                    if pending and len(live) < workers:
                        start()
                    continue
                w.out += chunk
                while b"\n" in w.out:
                    line, w.out = w.out.split(b"\n", 1)
                    message = json.loads(line)
                    if message == _READY:
                        w.ready = True
                    else:
                        key, w.job = w.job[0], None
                        yield key, tuple(message)
                    if w.job is None:
                        feed(w)
                    if w.job is None:  # nothing left for it
                        w.proc.stdin.close()
    finally:
        for w in list(live):
            w.kill()
        sel.close()
