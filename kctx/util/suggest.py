""""Did you mean" for a name that is not there: the closest known one, for the error line."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Iterable


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' (did you mean "NAME"?)' with the known name closest to ``name`` (a typo, another case), or ""."""
    from difflib import get_close_matches

    names = [k for k in known if k != name]
    lower = {k.lower(): k for k in names}
    close = [lower[name.lower()]] if name.lower() in lower else get_close_matches(name, names, n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""
