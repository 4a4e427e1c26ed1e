"""Kubernetes version strings as (major, minor, patch) tuples, without ``re`` (shim path).

Servers report distro suffixes (``v1.29.3-gke.1000``, ``v1.28.5-eks-5e0fdde``, ``v1.30.2+k3s1``) and
sometimes a minor like ``"29+"``; pins are ``1.29`` (any patch: ``patch == -1``) or ``1.29.3``. A
pre-release (``v1.34.0-rc.1``, ``-alpha.N``, ``-beta.N``) keeps its suffix in the text form (``label``):
it is not the release of the same number, and saying so matters when it cannot be installed.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    Version = tuple[int, int, int]


def _number(text: str) -> int:
    """A plain non-negative decimal (ASCII digits only), or -1."""
    return int(text) if text.isascii() and text.isdigit() else -1


def _strip(text: str) -> str:
    text = text.strip()
    return text[1:] if text[:1] in ("v", "V") else text


def parse(text: str) -> Version | None:
    """(1, 29, 3) for "v1.29.3", "1.29.3-gke.1000", "v1.30.2+k3s1"; None when it is not X.Y.Z."""
    core = _strip(text).split("-", 1)[0].split("+", 1)[0]
    parts = core.split(".")
    if len(parts) != 3:
        return None
    nums = (_number(parts[0]), _number(parts[1]), _number(parts[2]))
    return None if -1 in nums else nums


PRE_RELEASES = ("alpha", "beta", "rc")


def pre_release(text: str) -> str:
    """"-rc.1" for "v1.34.0-rc.1" (also alpha and beta); "" for a release or a distro build ("-gke.1000")."""
    suffix = _strip(text).split("+", 1)[0].partition("-")[2]
    kind, _, number = suffix.partition(".")
    return f"-{suffix}" if kind in PRE_RELEASES and (not number or number.isdigit()) else ""


def label(text: str) -> str:
    """The version as kctx shows it: "1.29.3" for "v1.29.3-gke.1000", "1.34.0-rc.1" for a pre-release; ""
    when ``text`` is not X.Y.Z."""
    v = parse(text)
    return fmt(v) + pre_release(text) if v is not None else ""


def minor_of(text: str) -> tuple[int, int] | None:
    """(major, minor) of any version text kctx keeps: "1.29", "1.29.3", "1.34.0-rc.1"."""
    v = parse(text) or parse_spec(text)
    return (v[0], v[1]) if v is not None else None


def parse_spec(text: str) -> Version | None:
    """A requested version: "1.29" (patch -1, the newest patch) or "1.29.3"; a leading "v" is fine."""
    parts = _strip(text).split(".")
    if len(parts) not in (2, 3):
        return None
    nums = [_number(p) for p in parts]
    if -1 in nums:
        return None
    return (nums[0], nums[1], nums[2] if len(nums) == 3 else -1)


def from_info(info: object) -> str:
    """The version in a /version (or ``kubectl version -o json`` clientVersion) document, or ""."""
    if not isinstance(info, dict):
        return ""
    git = info.get("gitVersion")
    found = parse(git) if isinstance(git, str) else None
    if found is not None and found != (0, 0, 0):  # v0.0.0-master+$Format is a dev build: use the fields
        return fmt(found) + pre_release(git) if isinstance(git, str) else fmt(found)
    major, minor = _leading_number(info.get("major")), _leading_number(info.get("minor"))
    return f"{major}.{minor}" if major > 0 and minor >= 0 else ""


def _leading_number(value: object) -> int:
    """29 for "29+" (some providers mark extended minors that way); -1 when there is no number."""
    text = str(value or "").strip()
    end = 0
    while end < len(text) and text[end].isascii() and text[end].isdigit():
        end += 1
    return int(text[:end]) if end else -1


def fmt(version: Version) -> str:
    """The text form: "1.29.3", or "1.29" when the patch is unknown (-1)."""
    major, minor, patch = version
    return f"{major}.{minor}" if patch < 0 else f"{major}.{minor}.{patch}"
