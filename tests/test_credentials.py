"""Credentials: expiry read from certificates and JWTs at index time, doctor's offline and --online checks against
stand-in clusters (one hung, one refusing auth) with the real kubectl, and the prompt's expired mark."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kctx.kubeconfig import credentials
from kctx.paths import Paths
from kctx.sandbox import ClusterSpec, Sandbox
from kctx.versions import manage
from tests.kubeconfigs import write
from tests.kubectl_bins import kubectl_binary
from tests.runner import kctx

DAY = 86400


def cert_pem(not_after: dt.datetime, generalized: bool = False) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(dt.datetime(1990, 1, 1, tzinfo=dt.timezone.utc)).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def jwt(claims: dict[str, object]) -> str:
    def part(d: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(ts), dt.timezone.utc)


@pytest.mark.parametrize("when", [utc(time.time() - 3 * DAY), utc(time.time() + 400 * DAY),
                                  dt.datetime(2051, 6, 1, 12, 30, 5, tzinfo=dt.timezone.utc),
                                  dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)])
def test_not_after_matches_the_certificate(when: dt.datetime) -> None:
    pem = cert_pem(when)
    assert credentials.not_after(pem) == int(when.timestamp())
    assert credentials.not_after(x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)) \
        == int(when.timestamp())


def test_garbage_has_no_expiry() -> None:
    assert credentials.not_after(b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----") == 0
    assert credentials.not_after(b"\x30\x82\xff\xff") == 0
    assert credentials.jwt_expiry("not-a-jwt") == 0
    assert credentials.jwt_expiry("eyJ.e30.x") == 0  # no exp claim
    assert credentials.jwt_expiry(jwt({"exp": "soon"})) == 0
    assert credentials.jwt_expiry(jwt({"exp": 1700000000, "sub": "x"})) == 1700000000


def user_doc(users: dict[str, dict[str, object]]) -> dict[str, object]:
    names = list(users)
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": names[0],
        "clusters": [{"name": n, "cluster": {"server": f"https://{n}.example:6443"}} for n in names],
        "users": [{"name": n, "user": body} for n, body in users.items()],
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in names],
    }


@pytest.fixture
def creds(home: Path, tmp_path: Path) -> dict[str, str]:
    """Contexts with an expired cert, an expiring cert file, an expired JWT, a fine one, a missing plugin."""
    now = time.time()
    cert_file = home / ".kube" / "soon.crt"
    cert_file.write_bytes(cert_pem(utc(now + 5 * DAY)))
    token = jwt({"exp": int(now - DAY), "sub": "ci"})
    write(home / ".kube/config", user_doc({
        "old-cert": {"client-certificate-data": base64.b64encode(cert_pem(utc(now - 2 * DAY))).decode(),
                     "client-key-data": "a2V5"},
        "soon-cert": {"client-certificate": "soon.crt", "client-key": "soon.key"},
        "old-token": {"token": token},
        "fine": {"token": jwt({"exp": int(now + 90 * DAY)})},
        "gke": {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "gke-gcloud-auth-plugin"}},
    }))
    return {"PATH": str(tmp_path / "nobin"), "TOKEN": token}


def test_doctor_reports_expired_and_expiring_credentials_and_missing_plugins(creds: dict[str, str]) -> None:
    r = kctx("doctor", env={"PATH": creds["PATH"]})
    assert r.code == 1
    lines = [line for line in r.out.splitlines() if "credentials:" in line]
    assert any(line.startswith("FAIL") and '"old-cert": its client certificate (user "old-cert") expired on' in line
               and "2 days ago" in line for line in lines), r.out
    assert any(line.startswith("FAIL") and '"old-token": its bearer token' in line for line in lines), r.out
    assert any(line.startswith("warn") and '"soon-cert": its client certificate' in line and "from now" in line
               for line in lines), r.out
    assert any(line.startswith("FAIL") and 'exec plugin "gke-gcloud-auth-plugin" is not on PATH (used by context '
               '"gke")' in line for line in lines), r.out
    assert "fix: gcloud components install gke-gcloud-auth-plugin" in r.out
    assert not any('"fine"' in line for line in lines)
    assert creds["TOKEN"] not in r.out + r.err and creds["TOKEN"].split(".")[1] not in r.out + r.err


def test_a_plugin_on_path_is_fine(creds: dict[str, str], tmp_path: Path) -> None:
    plugin = tmp_path / "nobin" / "gke-gcloud-auth-plugin"
    plugin.parent.mkdir()
    plugin.write_text("#!/bin/sh\n")
    plugin.chmod(0o755)
    r = kctx("doctor", env={"PATH": creds["PATH"]})
    assert "gke-gcloud-auth-plugin" not in r.out


def test_the_index_keeps_expiry_but_no_secret(creds: dict[str, str], home: Path) -> None:
    from kctx.kubeconfig import index

    paths = Paths(dict(os.environ))
    view = index.view([str(home / ".kube/config")], paths.index_dir)
    assert view.user_entry("old-token")["expiring"] == "bearer token"
    assert view.user_entry("gke") == {"auth": "exec", "exec": "gke-gcloud-auth-plugin"}
    assert "expires" not in view.user_entry("gke")
    stored = b"".join(p.read_bytes() for p in Path(paths.index_dir).iterdir())
    assert creds["TOKEN"].split(".")[1].encode() not in stored


def test_prompt_marks_an_expired_credential(creds: dict[str, str]) -> None:
    r = kctx("prompt", "--color", "never", env={"KUBECONFIG": "", "KCTX_PROMPT_SYMBOL": "@"})
    assert r.out == "@ old-cert:default✗\n"
    r = kctx("prompt", "--color", "never", env={"KCTX_PROMPT_EXPIRED_MARK": " (expired)"})
    assert r.out.endswith("old-cert:default (expired)\n")


def test_session_env_carries_the_expiry(creds: dict[str, str]) -> None:
    session = kctx("session", "start", "--pid", str(os.getpid())).out.strip()
    env = {"KCTX_SESSION": session}
    assert kctx("use", "old-token", env=env).code == 0
    values = dict(line.split("=", 1) for line in Path(session[:-5] + ".env").read_text().splitlines())
    assert values["KCTX_EXPIRED"] == "1" and int(values["KCTX_EXPIRES"]) < time.time()
    assert kctx("use", "gke", env=env).code == 0
    values = dict(line.split("=", 1) for line in Path(session[:-5] + ".env").read_text().splitlines())
    assert values["KCTX_EXPIRED"] == "0" and values["KCTX_EXPIRES"] == ""


def test_doctor_online_with_real_kubectl(home: Path) -> None:
    """Every context asked in parallel: one fine, one hung (bounded by --timeout), one refusing the credential."""
    manage.add(Paths(), str(kubectl_binary("1.37")), open(os.devnull, "w"))  # noqa: SIM115
    with Sandbox([ClusterSpec("ok"), ClusterSpec("hung"), ClusterSpec("refusing", auth="cert")]) as sb:
        sb.write_kubeconfig(home / ".kube/config")
        sb.set_hang("hung", True)
        sb.set_refuse_auth("refusing", True)
        began = time.monotonic()
        r = kctx("doctor", "--online", "--timeout", "3")
        took = time.monotonic() - began
        sb.set_hang("hung", False)
        whoami = [q for q in sb.requests("ok") if q.path.endswith("/selfsubjectreviews")]
    online = [line for line in r.out.splitlines() if " online: " in line]
    assert 'ok    online: context "ok": reachable, you are ok-admin' in online, r.out
    assert 'FAIL  online: context "refusing": reachable, but the server refuses the credential (401)' in online
    assert any(line.startswith('FAIL  online: context "hung": ') for line in online), r.out
    assert r.code == 1
    assert whoami and whoami[0].user == "ok-admin"
    assert took < 12, f"a hung cluster held doctor for {took:.1f} s"
