"""Shell-style glob matching (``*``, ``?``, ``[abc]``, ``[!a-z]``) without ``re``.

fnmatch compiles regular expressions; importing ``re`` costs the shim several milliseconds.
"""

from __future__ import annotations


def match(name: str, pattern: str) -> bool:
    """Case-sensitive match of the whole of ``name`` against ``pattern``."""
    if pattern == "*":  # the common glob (~/.kube/configs/*): skip the per-character walk
        return True
    n, p = 0, 0
    star_p, star_n = -1, 0
    while n < len(name):
        if p < len(pattern):
            c = pattern[p]
            if c == "*":
                star_p, star_n = p, n
                p += 1
                continue
            if c == "?":
                n, p = n + 1, p + 1
                continue
            if c == "[":
                ok, end = _bracket(pattern, p, name[n])
                if end != -1:
                    if ok:
                        n, p = n + 1, end
                        continue
                elif name[n] == "[":  # an unclosed bracket is a literal "["
                    n, p = n + 1, p + 1
                    continue
            elif c == name[n]:
                n, p = n + 1, p + 1
                continue
        if star_p == -1:
            return False
        star_n += 1
        n, p = star_n, star_p + 1
    return all(c == "*" for c in pattern[p:])


def _bracket(pattern: str, start: int, ch: str) -> tuple[bool, int]:
    """Match ``ch`` against the class at ``pattern[start]``; return (matched, index after ``]``)."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] in "!^"
    if negate:
        i += 1
    matched, first = False, True
    while i < len(pattern) and (pattern[i] != "]" or first):
        first = False
        lo = pattern[i]
        if i + 2 < len(pattern) and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            matched |= lo <= ch <= pattern[i + 2]
            i += 3
        else:
            matched |= lo == ch
            i += 1
    if i >= len(pattern):
        return False, -1
    return matched != negate, i + 1


def first_match(name: str, patterns: list[str]) -> str:
    """The first of ``patterns`` matching ``name``, or ""."""
    for pat in patterns:
        if name and match(name, pat):
            return pat
    return ""
