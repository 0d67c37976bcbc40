"""A litecoind 0.21 on regtest for interoperability tests, and its JSON-RPC.

Each instance has its own datadir under /tmp, binds loopback only on free ports, and logs
network events (-debug=net) to DATADIR/regtest/debug.log, which `debug_log()` returns so a
failing test can show why litecoind dropped a peer. The fixture is in conftest.py; without
the binary (scripts/setup.sh installs the `litecoind` package) tests fail, they never skip.
"""
import base64
import json
import pathlib
import socket
import subprocess
import time
import urllib.error
import urllib.request

# The real binary, never the /usr/bin wrapper.
LITECOIND = "/usr/lib/litecoin/litecoind"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RpcError(RuntimeError):
    pass


class Litecoind:
    def __init__(self, datadir, start_timeout=60):
        self.datadir = pathlib.Path(datadir)
        self.port, self.rpcport = free_port(), free_port()
        self._stderr = open(self.datadir / "stderr.log", "w")  # startup errors land here
        # -vbparams=mweb:-2:0: MWEB never activates, so blocks stay plain segwit blocks.
        self.proc = subprocess.Popen(
            [LITECOIND, "-regtest", f"-datadir={datadir}", "-vbparams=mweb:-2:0",
             "-server=1", "-listen=1", "-bind=127.0.0.1", f"-port={self.port}",
             f"-rpcport={self.rpcport}", "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1",
             "-fallbackfee=0.0001", "-printtoconsole=0", "-dnsseed=0", "-listenonion=0",
             "-discover=0", "-upnp=0", "-debug=net"],
            stdout=subprocess.DEVNULL, stderr=self._stderr)
        cookie = self.datadir / "regtest" / ".cookie"
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                if cookie.exists():
                    self.auth = base64.b64encode(cookie.read_bytes().strip()).decode()
                    self.call("getblockcount")
                    return
            except (OSError, RpcError, ValueError):
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("litecoind did not start: " +
                                   (self.datadir / "stderr.log").read_text()[-2000:] +
                                   self.debug_log()[-3000:])
            time.sleep(0.3)

    def call(self, method, *params):
        body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": list(params)})
        req = urllib.request.Request(f"http://127.0.0.1:{self.rpcport}/", data=body.encode(),
                                     headers={"Authorization": "Basic " + self.auth,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                reply = json.loads(resp.read())
        except urllib.error.HTTPError as e:  # RPC errors come with HTTP 500 and a JSON body
            reply = json.loads(e.read())
        if reply.get("error"):
            raise RpcError(f"{method}: {reply['error']}")
        return reply["result"]

    def debug_log(self):
        try:
            return (self.datadir / "regtest" / "debug.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.call("stop")
                self.proc.wait(timeout=60)
            except Exception:  # noqa: BLE001 - make sure the daemon we started goes away
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()
