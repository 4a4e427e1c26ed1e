"""What a kubeconfig user entry says about its credential, without keeping any of it: when it expires (a
client certificate's notAfter, a JWT bearer token's ``exp``) and which exec plugin it runs.

Standard library only and cheap to import (the index builds on it): no base64 (it imports re), no json
unless a token looks like a JWT, no cryptography (the certificate's validity is found by walking its DER).
"""

from __future__ import annotations

import binascii

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CERT, TOKEN = "client certificate", "bearer token"
PEM_BEGIN, PEM_END = b"-----BEGIN CERTIFICATE-----", b"-----END CERTIFICATE-----"


def expiry(body: dict[str, Any], base: str) -> tuple[int, str]:
    """(seconds since the epoch when the credential stops working, what it is: CERT or TOKEN); (0, "") when
    it does not say (an exec plugin, a plain token, an unreadable certificate)."""
    found = [(t, CERT) for t in [cert_expiry(body, base)] if t]
    token = body.get("token")
    if isinstance(token, str) and token:
        found += [(t, TOKEN) for t in [jwt_expiry(token)] if t]
    return min(found) if found else (0, "")


def exec_command(body: dict[str, Any]) -> str:
    """The command of an exec credential plugin ("" when the user has none)."""
    spec = body.get("exec")
    command = spec.get("command") if isinstance(spec, dict) else None
    return command if isinstance(command, str) else ""


def cert_expiry(body: dict[str, Any], base: str) -> int:
    """notAfter of the first certificate of ``client-certificate-data`` or the ``client-certificate`` file."""
    data, path = body.get("client-certificate-data"), body.get("client-certificate")
    pem = b""
    if isinstance(data, str) and data:
        try:
            pem = binascii.a2b_base64(data.encode("ascii"))
        except (binascii.Error, ValueError):
            return 0
    elif isinstance(path, str) and path:
        import os

        try:
            with open(path if os.path.isabs(path) else os.path.join(base, path), "rb") as fh:
                pem = fh.read(1 << 20)
        except OSError:
            return 0
    return not_after(pem)


def not_after(pem: bytes) -> int:
    """The first PEM certificate's notAfter (or a DER certificate's), 0 when it cannot be read."""
    start = pem.find(PEM_BEGIN)
    if start >= 0:
        end = pem.find(PEM_END, start)
        try:
            der = binascii.a2b_base64(pem[start + len(PEM_BEGIN):end if end > 0 else None])
        except (binascii.Error, ValueError):
            return 0
    else:
        der = pem
    try:
        return _validity_end(der)
    except (IndexError, ValueError):
        return 0


def _tlv(der: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of the value, end of the value) of the DER element at ``pos``."""
    tag, length = der[pos], der[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(der[pos:pos + count], "big")
        pos += count
    if pos + length > len(der):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _validity_end(der: bytes) -> int:
    """Certificate ::= SEQUENCE { tbs SEQUENCE { [0] version?, serial, signature, issuer, validity, ... } }."""
    tag, pos, _ = _tlv(der, 0)
    tag2, pos, _ = _tlv(der, pos)
    if tag != 0x30 or tag2 != 0x30:
        raise ValueError("not a certificate")
    if der[pos] == 0xA0:  # explicit version
        pos = _tlv(der, pos)[2]
    for _ in range(3):  # serial number, signature algorithm, issuer
        pos = _tlv(der, pos)[2]
    tag, pos, _ = _tlv(der, pos)  # validity
    pos = _tlv(der, pos)[2]  # notBefore
    tag, start, end = _tlv(der, pos)
    return _asn1_time(tag, der[start:end].decode("ascii"))


def _asn1_time(tag: int, text: str) -> int:
    """UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) as seconds since the epoch."""
    if not text.endswith("Z"):
        raise ValueError("not UTC")
    if tag == 0x17:
        year = int(text[:2])
        text = str(year + (1900 if year >= 50 else 2000)) + text[2:]  # RFC 5280's window
    elif tag != 0x18:
        raise ValueError("not a time")
    year, month, day = int(text[0:4]), int(text[4:6]), int(text[6:8])
    hour, minute, second = int(text[8:10]), int(text[10:12]), int(text[12:14])
    return _days(year, month, day) * 86400 + hour * 3600 + minute * 60 + second


def _days(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (without importing calendar or datetime)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def jwt_expiry(token: str) -> int:
    """A JWT's ``exp`` claim (0 when the token is not a JWT or has none); the signature is not checked:
    this only predicts what the server will say."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].startswith("eyJ"):
        return 0
    payload = parts[1].replace("-", "+").replace("_", "/")
    try:
        raw = binascii.a2b_base64((payload + "=" * (-len(payload) % 4)).encode("ascii"))
        import json

        claims = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return 0
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return int(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) and exp > 0 else 0
