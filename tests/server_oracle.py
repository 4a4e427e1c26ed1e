"""What a real kubectl does with each spelling of a server URL, against the stand-in server.

`python3 -m tests.server_oracle [MINOR...]` runs every spelling below through the real kubectl (as `-s URL`,
and as a kubeconfig cluster's server) and writes tests/server_spellings.py, the table tests/test_server_identity.py
holds kctx's server identity to. It runs in a network namespace of its own (`unshare -rn`), so the spellings
that make kubectl look a name up in DNS go nowhere; the tests re-run the other spellings live.

For each run the table keeps the URL kubectl requested (its -v=6 log), the path prefix the stand-in saw before
/version (None when it saw nothing) and, when no request was made, kubectl's error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote

# (spelling, needs isolation): {port} is the stand-in's port. Isolation: kubectl would ask DNS for the name, or a
# listener on a fixed address shows where kubectl connects.
SPELLINGS: list[tuple[str, bool]] = [
    ("https://127.0.0.1:{port}", False),
    ("https://u:p@127.0.0.1:{port}", False),
    ("https://127.0.0.1:0{port}", False),
    ("https://127.0.0.1:{port}/", False),
    ("https://127.0.0.1:{port}#frag", False),
    ("https://127.0.0.1:{port}/#frag", False),
    ("https://127.0.0.1:{port}/x#frag", False),
    ("https://127.0.0.1:{port}/x?q#f", False),
    ("https://127.0.0.1:{port}/?q=1", False),
    ("https://127.0.0.1:{port}?", False),
    ("127.0.0.1:{port}", False),
    ("localhost:{port}", False),
    ("HTTPS://127.0.0.1:{port}", False),
    ("http://127.0.0.1:{port}", False),
    ("https://LOCALHOST:{port}", False),
    ("https://localhost:{port}", False),
    ("https://localhost.:{port}", True),
    ("https://127.0.0.1.:{port}", True),
    ("https://[::ffff:127.0.0.1]:{port}", False),
    ("https://[::FFFF:7f00:1]:{port}", False),
    ("https://[0:0:0:0:0:ffff:127.0.0.1]:{port}", False),
    ("https://[::ffff:127.0.0.1%25lo]:{port}", False),
    ("https://[::1]:{port}", True),
    ("https://[0:0:0:0:0:0:0:1]:{port}", True),
    ("https://0.0.0.0:{port}", False),
    ("https://[::]:{port}", True),  # goes to [::1] first, to 127.0.0.1 when nothing listens there
    ("https://:{port}", False),
    (":{port}", False),
    ("https://127.0.0.2:{port}", False),
    ("https://127.1:{port}", True),
    ("https://2130706433:{port}", True),
    ("https://0x7f.1:{port}", True),
    ("https://0177.0.0.1:{port}", True),
    ("https://127.000.000.001:{port}", True),
    ("https://127.0.0.1:{port}/x", False),
    ("https://127.0.0.1:{port}/a/../x", False),
    ("https://127.0.0.1:{port}//x//", False),
    ("https://127.0.0.1:{port}/%78", False),
    ("https://127.0.0.1:{port}/a%2Fb", False),
    ("https://127.0.0.1:{port}/x%23y", False),
    ("https://127.0.0.1:{port}/x y", False),
    ("https://127.0.0.1:{port}/X", False),
    ("https://127.0.0.1:{port}/..", False),
    ("https://127.0.0.1:+{port}", False),
    ("https://127.0.0.1:{port}x", False),
    ("https://127.0.0.1: {port}", False),
    (" https://127.0.0.1:{port}", False),
    ("https://127.0.0.1:{port} ", False),
    ("https://127.0.0.1:{port}\t", False),
    ("https://127.0.0.1:{port}\\x", False),
    ("https://127.0.0.1:99999", False),
    ("//127.0.0.1:{port}", False),
    ("https:127.0.0.1:{port}", False),
    ("https:/127.0.0.1:{port}", False),
    ("tcp://127.0.0.1:{port}", False),
    ("https://127.0.0.1:{port}/%zz", False),
    ("https://127.0.0.1:{port}#%zz", False),
    ("https://127.0.0.1:{port}:{port}", False),
    ("https://evil@127.0.0.1:{port}@", False),
    ("https://u%zz@127.0.0.1:{port}", False),
    ("https://u p@127.0.0.1:{port}", False),
    ("https://[::1:{port}", False),
    ("https://[nothost]:{port}", False),
    ("https://127.0.0.1%25lo:{port}", True),
    ("https://127.0.0.1:{port}@evil", True),
    ("", True),  # no server: kubectl's default
]
# -s URL, a kubeconfig cluster's server, and -s URL with `get --raw` (kubectl 1.27-1.33 drop the path there)
VIAS = ("flag", "kubeconfig", "raw")
RAW = ("https://127.0.0.1:{port}/x", "https://127.0.0.1:{port}/x#frag", "https://127.0.0.1:{port}/a/../x")
TAPS = (("::1", "port"), ("127.0.0.1", 8080))  # where kubectl goes instead: [::1] on the stand-in's port, the default
DEFAULT_MINORS = ("1.27", "1.33", "1.34", "1.37")
TABLE = Path(__file__).with_name("server_spellings.py")
_URL = re.compile(r'\] (?:GET|HEAD) (\S+)|url="([^"]+)"')
_KLOG = re.compile(r"[IWEF]\d{4} ")  # kubectl's -v log lines


def run_kubectl(kubectl: Path, sandbox, spelling: str, via: str, workdir: Path,
                timeout: str = "2s") -> tuple[str, str | None, str]:
    """(URL kubectl requested, path prefix the stand-in saw or None, kubectl's error when it sent nothing);
    ports shown as {port}."""
    port = sandbox.cluster("dev").port
    url = spelling.format(port=port)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    kc = workdir / "kubeconfig"
    text = sandbox.kubeconfig(["dev"])
    if via in ("flag", "raw"):
        args = ["-s", url, "--insecure-skip-tls-verify"]
    else:
        text = re.sub(r'server: ".*"', lambda _: "server: " + json.dumps(url), text)
        text = re.sub(r"certificate-authority-data: .*", "insecure-skip-tls-verify: true", text)
        args = []
    kc.write_text(text)
    sandbox.clear_requests()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "KUBECONFIG": str(kc)}
    command = ["get", "--raw", "/version"] if via == "raw" else ["version"]
    p = subprocess.run([str(kubectl), *args, *command, f"--request-timeout={timeout}", "-v=6",
                        f"--cache-dir={workdir / 'cache'}"], capture_output=True, text=True, env=env, timeout=60)
    shutil.rmtree(workdir / "cache", ignore_errors=True)
    requested = next((a or b for a, b in _URL.findall(p.stderr)), "")
    requested = requested.split("?")[0].replace(str(port), "{port}")
    seen = sandbox.requests("dev")
    prefix = unquote(seen[0].path.rsplit("/version", 1)[0]) if seen else None
    errors = [line for line in p.stderr.splitlines() if line.strip() and not _KLOG.match(line)]
    error = "" if requested or p.returncode == 0 else (errors[-1] if errors else p.stderr.strip()[-200:])
    return requested, prefix, error.replace(str(port), "{port}")[:160]


class Tap:
    """A TCP listener that only notes that something connected: shows where kubectl goes when not to the stand-in."""

    def __init__(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.hits = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()


def _address(host: str, port: int | str) -> str:
    return f"[{host}]:{{{port}}}" if ":" in host else f"{host}:{port}"


def observe(minors: tuple[str, ...]) -> list[tuple[str, str, dict]]:
    from kctx.sandbox import ClusterSpec, Sandbox
    from tests.kubectl_bins import kubectl_binary

    rows = []
    with Sandbox([ClusterSpec("dev")]) as sb, tempfile.TemporaryDirectory() as tmp:
        port = sb.cluster("dev").port
        taps = [Tap(host, port if p == "port" else p) for host, p in TAPS]
        for spelling, _isolated in SPELLINGS:
            for via in VIAS:
                if via == "flag" and not spelling or via == "raw" and spelling not in RAW:
                    continue  # an empty -s is no override
                runs = {}
                for minor in minors:
                    before = [t.hits for t in taps]
                    requested, prefix, error = run_kubectl(kubectl_binary(minor), sb, spelling, via, Path(tmp))
                    tapped = [_address(h, p) for (h, p), t, b in zip(TAPS, taps, before, strict=True) if t.hits > b]
                    runs[minor] = (requested, prefix, error, tapped[0] if tapped else "")
                rows.append((spelling, via, runs))
                print(f"{via:10} {spelling!r}: {runs}", file=sys.stderr)
    return rows


def write_table(rows: list[tuple[str, str, dict]], minors: tuple[str, ...]) -> None:
    lines = ['"""What the real kubectl does with each spelling of a server URL: written by',
             f"`python3 -m tests.server_oracle` ({', '.join(minors)}, in a network namespace of its own); do not edit.",
             "",
             "Each row: the spelling ({port} is the stand-in's); how it was given (flag: -s URL; kubeconfig: a",
             "cluster's server; raw: -s URL with `get --raw`); per kubectl minor: the URL kubectl requested, the path",
             "prefix the stand-in saw (None: no request reached it), kubectl's error when it requested nothing, and",
             'which other listener it reached ("" for none)."""',
             "",
             "ROWS = ["]
    for spelling, via, runs in rows:
        lines.append(f"    ({spelling!r}, {via!r}, {{")
        lines += [f"        {minor!r}: {run!r}," for minor, run in runs.items()]
        lines.append("    }),")
    lines.append("]")
    TABLE.write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    minors = tuple(argv) or DEFAULT_MINORS
    if os.environ.get("KCTX_ORACLE_NS") != "1":
        # A network namespace of our own: only loopback, so DNS look-ups for odd host names fail at once.
        script = "ip link set lo up && exec \"$0\" -m tests.server_oracle \"$@\""
        return subprocess.run(["unshare", "-rn", "sh", "-c", script, sys.executable, *minors],
                              env={**os.environ, "KCTX_ORACLE_NS": "1"}).returncode
    write_table(observe(minors), minors)
    print(f"wrote {TABLE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
