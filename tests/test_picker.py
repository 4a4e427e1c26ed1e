"""The picker's matching and ranking (pure), and its list state, without a terminal."""

from __future__ import annotations

import itertools
import random

import pytest

from kctx.picker import fuzzy
from kctx.picker.fuzzy import match, rank
from kctx.picker.ui import Entry, Picker

NAMES = ["dev", "prod", "prod-eu", "staging", "production-us", "kube-system", "kube-public", "dev-prod",
         "gke_proj_europe-west1_prod"]


def names(query: str, pool: list[str] = NAMES) -> list[str]:
    return [m.text for m in rank(query, pool)]


def test_an_empty_query_keeps_every_name_in_order():
    assert names("") == NAMES
    assert all(m.positions == () for m in rank("", NAMES))


def test_only_subsequences_match():
    assert names("pdu") == ["production-us", "prod-eu"]
    assert names("pdus") == ["production-us"]
    assert names("xyz") == []
    assert match("dp", "prod") is None  # the letters must come in order


def test_a_prefix_beats_a_word_start_beats_letters_scattered():
    assert names("prod")[:3] == ["prod", "prod-eu", "production-us"]  # same score: shorter first
    assert names("ks") == ["kube-system", "gke_proj_europe-west1_prod"]
    assert names("eu")[0] == "prod-eu"  # a whole word beats e…u inside "europe"


def test_word_starts_win_over_earlier_letters():
    assert names("kp") == ["kube-public", "gke_proj_europe-west1_prod"]
    assert match("kp", "kube-public") is not None
    assert match("kp", "kube-public").positions == (0, 5)  # type: ignore[union-attr]
    assert match("w1", "gke_proj_europe-west1_prod").positions == (16, 20)  # type: ignore[union-attr]


def test_consecutive_letters_beat_scattered_ones():
    assert names("dev", ["d-e-v", "dev-x"]) == ["dev-x", "d-e-v"]


def test_positions_are_the_matched_letters():
    m = match("prd", "prod")
    assert m is not None and m.positions == (0, 1, 3)
    m = match("ps", "kube-system-prod-staging")
    assert m is not None and m.positions == (12, 17)  # both at word starts, not the first p and s


def test_smart_case():
    assert names("prod", ["PROD", "prod"]) == ["PROD", "prod"]  # lower case matches either case
    assert names("PROD", ["PROD", "prod"]) == ["PROD"]  # upper case matches exactly
    m = match("Pr", "app-Prod")
    assert m is not None and m.positions == (4, 5)


def test_ties_go_to_the_shorter_then_the_earlier_name():
    assert names("ab", ["ab-long", "ab-x", "ab-y"]) == ["ab-x", "ab-y", "ab-long"]


def _brute(query: str, text: str) -> int:
    """The best score over every alignment, by the scoring rules as documented in fuzzy.py."""
    bonus = fuzzy._bonuses(text)
    best = None
    for pos in itertools.combinations(range(len(text)), len(query)):
        if any(text[p] != c for p, c in zip(pos, query, strict=True)):
            continue
        score = -fuzzy.GAP_EXTEND * min(pos[0], 8) + fuzzy.MATCH + bonus[pos[0]] * fuzzy.FIRST
        run = bonus[pos[0]]  # a run of consecutive letters shares its first letter's bonus
        for p, before in zip(pos[1:], pos[:-1], strict=True):
            gap = p - before - 1
            if gap:
                run = bonus[p]
                score += fuzzy.MATCH + bonus[p] - fuzzy.GAP_START - fuzzy.GAP_EXTEND * (gap - 1)
            else:
                score += fuzzy.MATCH + max(bonus[p], fuzzy.CONSECUTIVE, run)
        best = score if best is None else max(best, score)
    return best  # type: ignore[return-value]


@pytest.mark.parametrize("seed", range(5))
def test_the_alignment_is_the_best_one(seed):
    rnd = random.Random(seed)
    for _ in range(300):
        text = "".join(rnd.choice("ab-_Xc") for _ in range(rnd.randint(1, 10)))
        query = "".join(rnd.choice("abc-") for _ in range(rnd.randint(1, 4)))
        m = match(query, text)
        if m is None:
            assert _brute_none(query, text.lower())
            continue
        folded = text.lower()
        assert list(m.positions) == sorted(set(m.positions)) and len(m.positions) == len(query)
        assert "".join(folded[p] for p in m.positions) == query
        assert m.score == _brute(query, folded if query == query.lower() else text), (query, text)


def _brute_none(query: str, text: str) -> bool:
    return not any(all(text[p] == c for p, c in zip(pos, query, strict=True))
                   for pos in itertools.combinations(range(len(text)), len(query)))


# ---------------------------------------------------------------- the list state

def entries() -> list[Entry]:
    return [Entry("dev"), Entry("prod", protected=True), Entry("staging", current=True)]


def test_the_cursor_starts_on_the_current_entry_and_filtering_moves_it_to_the_best():
    p = Picker(entries())
    assert p.choice() == "staging"
    p.filter("pr")
    assert p.choice() == "prod"
    p.filter("zz")
    assert p.choice() is None
    p.filter("")
    assert p.choice() == "dev"


def test_moving_stays_inside_the_list():
    p = Picker(entries())
    p.move(5)
    assert p.choice() == "staging"
    p.move(-1)
    assert p.choice() == "prod"
    p.move(-9)
    assert p.choice() == "dev"


def test_rows_mark_the_selection_current_protected_and_the_matched_letters():
    p = Picker(entries())
    p.filter("sg")
    text = "".join(t for _, t in p.rows())
    assert text == "> staging  current\n  1/3"
    matched = [t for style, t in p.rows() if "picker.match" in style]
    assert matched == ["s", "g"]  # s at the start, then the word-final g
    p.filter("")
    assert "".join(t for _, t in p.rows()) == "> dev\n  prod     protected\n  staging  current\n  3/3"


def test_a_long_list_scrolls_around_the_selection():
    p = Picker([Entry(f"ctx{i:02}") for i in range(30)])
    p.move(20)
    lines = "".join(t for _, t in p.rows(height=5)).splitlines()
    assert lines == ["  ctx18", "  ctx19", "> ctx20", "  ctx21", "  ctx22", "  30/30"]


def test_multi_select_marks_and_unmarks_keeps_marks_across_queries_and_returns_them_in_order():
    p = Picker(entries(), multi=True)
    assert p.chosen() == [] and p.choice() == "staging"  # nothing starts marked
    p.toggle()  # staging, then down (it is the last: stays)
    p.filter("dv")
    p.toggle()
    p.filter("")
    assert p.chosen() == [0, 2]
    assert "".join(t for _, t in p.rows()) == ("> [x] dev\n  [ ] prod     protected\n  [x] staging  current\n"
                                                "  3/3  (2 marked)")
    p.toggle(-1)  # dev again: unmarked
    assert p.chosen() == [2]
    p.filter("zz")
    p.toggle()  # no match: nothing to mark
    assert p.chosen() == [2] and "".join(t for _, t in p.rows()).endswith("0/3  (1 marked)")


def test_notes_follow_the_name_and_tags():
    p = Picker([Entry("a", note="in x: why"), Entry("bb", protected=True, note="in y")], multi=True)
    assert "".join(t for _, t in p.rows()) == "> [ ] a   in x: why\n  [ ] bb  protected  in y\n  2/2  (0 marked)"
