"""kctx's server identity agrees with what the real kubectl reaches.

tests/server_spellings.py is the table of kubectl runs (written by `python3 -m tests.server_oracle`, against the
stand-in server): two spellings that reach one server must have one identity, and a spelling kubectl refuses has
none (the guard then fails closed). The live test re-runs the spellings that need no isolation with the default
kubectl, so the table cannot drift from the binaries.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kctx.guard.server import covering, identity, server_glob
from tests.server_oracle import SPELLINGS, run_kubectl
from tests.server_spellings import ROWS

PORT = 6443  # the table's URLs are templates: any port will do
STAND_IN = identity(f"https://127.0.0.1:{PORT}")


def _id(row) -> str:
    return f"{row[1]}:{row[0]!r}"


@pytest.mark.parametrize("spelling,via,runs", ROWS, ids=[_id(r) for r in ROWS])
def test_identity_agrees_with_kubectl(spelling, via, runs):
    mine = identity(spelling.format(port=PORT))
    for minor, (requested, prefix, error, tap) in runs.items():
        why = f"kubectl {minor}: requested {requested!r}, stand-in saw {prefix!r}, error {error!r}, tap {tap!r}"
        if prefix is not None:  # kubectl reached the stand-in, under this path prefix
            reached = STAND_IN + prefix
            # `get --raw` on kubectl 1.27-1.33 drops the prefix: a server protected without a path covers it
            assert reached in covering(mine) if via == "raw" else mine == reached, why
        elif tap:  # it connected to another listener on this machine
            assert mine == identity("http://" + tap.format(port=PORT)), why
        elif requested:  # it sent the request somewhere it could not reach: kctx reads the URL as kubectl did
            assert mine == identity(requested.format(port=PORT).rsplit("/version", 1)[0]), why
        else:  # kubectl refused the URL
            assert mine is None, why


def test_every_spelling_of_this_machine_is_one_server():
    """Errs towards protection: a server listening on every address answers on all of these, and `localhost`
    resolves to 127.0.0.1 or ::1 depending on /etc/hosts."""
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "LOCALHOST.", "[::1]", "[::]", "0.0.0.0", "[::ffff:127.0.0.1]",
                 "127.1", "2130706433", "0x7f000001", "api.localhost", ""):
        assert identity(f"https://{host}:{PORT}") == STAND_IN, host


@pytest.mark.parametrize("url,ident", [
    ("https://prod.example.com", "prod.example.com:443"),
    ("http://prod.example.com", "prod.example.com:80"),
    ("prod.example.com", "prod.example.com:80"),  # kubectl: plain HTTP without a scheme
    ("https://prod.example.com.:443/", "prod.example.com:443"),
    ("https://[2001:DB8:0::1]:6443", "[2001:db8::1]:6443"),
    ("https://[fe80::1%25eth0]:6443", "[fe80::1%eth0]:6443"),
    ("https://rancher.example.com/k8s/clusters/c-1/", "rancher.example.com:443/k8s/clusters/c-1"),
    ("https://10.0.0.1:6443@prod.example.com", "prod.example.com:443"),  # the part before @ is userinfo
    ("", "localhost:8080"),  # kubectl's default server
    ("https://prod:6443/%zz", None),
])
def test_identity(url, ident):
    assert identity(url) == ident


def test_covering():
    assert covering("h:443/k8s/clusters/c-1") == ["h:443/k8s/clusters/c-1", "h:443/k8s/clusters", "h:443/k8s", "h:443"]
    assert covering("[::2]:1") == ["[::2]:1"]


@pytest.mark.parametrize("pattern,normalised", [
    ("https://prod.example.com", ("prod.example.com:443", False)),
    ("HTTPS://[::1]:06443/", ("localhost:6443", False)),
    ("https://*.prod.example.com", ("*.prod.example.com:443", True)),
    ("https://prod*", ("prod*", True)),
    ("https://LOCALHOST:*", ("localhost:*", True)),
    ("https://[2001:db8::1]:*", ("[[]2001:db8::1]:*", True)),
    ("*PROD*/K8S", ("*prod*/K8S", True)),
])
def test_server_globs(pattern, normalised):
    assert server_glob(pattern) == normalised


LIVE = [r for r in ROWS if r[1] in ("flag", "raw") and not dict(SPELLINGS)[r[0]]]


@pytest.mark.parametrize("spelling,via,runs", LIVE, ids=[_id(r) for r in LIVE])
def test_the_table_holds_for_the_default_kubectl(spelling, via, runs, sandbox, kubectl, tmp_path: Path):
    """The spellings that need no network namespace, as -s URL, against the stand-in with today's kubectl."""
    requested, prefix, error = run_kubectl(kubectl, sandbox, spelling, via, tmp_path, timeout="1s")
    assert (requested, prefix, error) == runs["1.37"][:3]
