"""fzf-like fuzzy matching, pure: the query's letters must appear in order (a subsequence); an alignment
scores higher when its letters are consecutive and start words, lower for the gaps between them.

Case: a query in lower case matches either case; one with an upper-case letter matches case exactly
(fzf's "smart case"). Ties go to the shorter name, then to the earlier one.
"""

from __future__ import annotations

MATCH = 16  # every matched letter
BOUNDARY = 8  # a letter that starts a word: at the start, after a separator, or an upper case after a lower
FIRST = 2  # a boundary is worth more as the query's first letter (fzf weighs the first letter double)
CONSECUTIVE = 4  # a letter right after the previous matched one
GAP_START, GAP_EXTEND = 3, 1  # the cost of skipping letters between two matched ones
SEPARATORS = frozenset("-_./:@ ")
NONE = -(1 << 30)


class Match:
    """One name that matched: its place in the input, its score and the positions of the matched letters."""

    __slots__ = ("index", "text", "score", "positions")

    def __init__(self, index: int, text: str, score: int, positions: tuple[int, ...]) -> None:
        self.index, self.text, self.score, self.positions = index, text, score, positions

    def __repr__(self) -> str:
        return f"Match({self.text!r}, score={self.score}, positions={self.positions})"


def rank(query: str, names: list[str]) -> list[Match]:
    """The names that match ``query``, best first; with an empty query, all of them in their order."""
    if not query:
        return [Match(i, n, 0, ()) for i, n in enumerate(names)]
    out = [m for m in (match(query, n, i) for i, n in enumerate(names)) if m is not None]
    out.sort(key=lambda m: (-m.score, len(m.text), m.index))
    return out


def match(query: str, text: str, index: int = 0) -> Match | None:
    """The best alignment of ``query`` in ``text``, or None when it is not a subsequence."""
    folded = text if _exact_case(query) else text.lower()
    if not _is_subsequence(query, folded):
        return None
    score, positions = _align(query, folded, _bonuses(text))
    return Match(index, text, score, positions)


def _exact_case(query: str) -> bool:
    return query != query.lower()


def _is_subsequence(query: str, text: str) -> bool:
    pos = -1
    for ch in query:
        pos = text.find(ch, pos + 1)
        if pos < 0:
            return False
    return True


def _bonuses(text: str) -> list[int]:
    """What matching each letter of ``text`` is worth beyond MATCH: word starts score."""
    out = []
    prev = ""
    for ch in text:
        starts = not prev or prev in SEPARATORS or (prev.islower() and ch.isupper()) or \
            (not prev.isdigit() and ch.isdigit())
        out.append(BOUNDARY if starts and ch not in SEPARATORS else 0)
        prev = ch
    return out


def _align(query: str, text: str, bonus: list[int]) -> tuple[int, tuple[int, ...]]:
    """Dynamic programming over (query letter i, text position j): the best score with query[i] at text[j].
    Letters in a run (consecutive matches) share the run's first bonus, as in fzf, so the state also says
    whether the run started on a word (1) or not (0). Skipping letters costs GAP_START + GAP_EXTEND per
    further letter; starting late costs GAP_EXTEND per letter, up to 8."""
    n = len(text)
    prev: list[list[int]] = []  # [state][j] for query[i-1]
    back: list[list[list[tuple[int, int]]]] = []  # [i][state][j] -> (j, state) of query[i-1]
    for i, ch in enumerate(query):
        row = [[NONE] * n, [NONE] * n]
        links = [[(-1, 0)] * n, [(-1, 0)] * n]
        best, best_at = NONE, (-1, 0)  # the best end for a gap before j, charged for the gap so far
        for j in range(n):
            if i and j >= 2:
                best -= GAP_EXTEND if best != NONE else 0
                for st in (0, 1):
                    if prev[st][j - 2] != NONE and prev[st][j - 2] - GAP_START > best:
                        best, best_at = prev[st][j - 2] - GAP_START, (j - 2, st)
            if text[j] != ch:
                continue
            starts = 1 if bonus[j] else 0
            if i == 0:
                row[starts][j] = MATCH + bonus[j] * FIRST - GAP_EXTEND * min(j, 8)
                continue
            if best != NONE:
                row[starts][j], links[starts][j] = best + MATCH + bonus[j], best_at
            for st in (0, 1):
                if j and prev[st][j - 1] != NONE:
                    run = prev[st][j - 1] + MATCH + max(bonus[j], CONSECUTIVE, BOUNDARY * st)
                    if run > row[st][j]:
                        row[st][j], links[st][j] = run, (j - 1, st)
        back.append(links)
        prev = row
    score, end, state = max((prev[st][j], -j, st) for st in (0, 1) for j in range(n))
    at = (-end, state)
    positions = [at[0]]
    for i in range(len(query) - 1, 0, -1):
        at = back[i][at[1]][at[0]]
        positions.append(at[0])
    return score, tuple(reversed(positions))
