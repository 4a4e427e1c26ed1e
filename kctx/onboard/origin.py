"""Where a team file came from: its location, the sha256 of its bytes, and a pin that must match.

``kctx onboard URL --sha256 HEX`` (or ``URL#sha256=HEX``) refuses a file whose digest differs, so a link
on a wiki pins exactly what was reviewed. What was applied is recorded in the team's state file
(kctx/onboard/owned.py) for `kctx doctor`: the location, the digest, the pin and the time.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from kctx.errors import KctxError, UsageError
from kctx.onboard import sources

HEX = re.compile(r"[0-9a-fA-F]{64}")
FRAGMENT = "sha256="


@dataclass
class Origin:
    location: str  # an absolute path or a URL, without a #sha256= fragment
    sha256: str  # of the bytes read
    pinned: str = ""  # the digest the user asked for ("" when none)

    def record(self, applied: float) -> dict[str, object]:
        return {"location": self.location, "sha256": self.sha256, "pinned": self.pinned, "applied": applied}


def split_pin(arg: str, flag: str = "") -> tuple[str, str]:
    """(the team file argument without a ``#sha256=HEX`` fragment, the pinned digest or "")."""
    pin = ""
    if "#" in arg and (sources.is_url(arg) or arg.startswith("file://")):
        arg, fragment = arg.split("#", 1)
        if not fragment.startswith(FRAGMENT):
            raise UsageError(f"onboard: #{fragment}: the only URL fragment kctx reads is #sha256=HEX")
        pin = _hex(fragment[len(FRAGMENT):], f"#{fragment}")
    if flag:
        flag = _hex(flag, f"--sha256 {flag}")
        if pin and pin != flag:
            raise UsageError("onboard: --sha256 and the URL's #sha256= name different digests")
        pin = flag
    return arg, pin


def _hex(text: str, where: str) -> str:
    if not HEX.fullmatch(text):
        raise UsageError(f"onboard: {where}: expected 64 hexadecimal digits (a sha256)")
    return text.lower()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(data: bytes, location: str, pinned: str) -> Origin:
    """The origin of ``data``; KctxError when it does not match the pin."""
    found = digest(data)
    if pinned and found != pinned:
        raise KctxError(f"{location}: sha256 {found} does not match the pinned {pinned}: the team file changed "
                        "since that digest was published; nothing was changed (review the new file, then pin "
                        "its digest)")
    return Origin(location, found, pinned)
