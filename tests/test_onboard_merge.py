"""Merging a team file into the user's config: minimal text edits, and protection that never gets weaker."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kctx import config as kconfig
from kctx.kubeconfig.edit import yaml_scalar
from kctx.onboard import configedit, merge, schema
from kctx.onboard.configedit import Change

HOME = "/home/u"


def team(**top: object) -> schema.Team:
    clusters = top.pop("clusters", {"prod-eu": {"environment": "prod", "source": {"file": "p.yaml"}}})
    doc = {"kctx-team": 1, "team": "pay", **top, "clusters": clusters}
    return schema.parse(yaml.safe_dump(doc), "/repo/team.yaml", HOME)


def merged(user_text: str, t: schema.Team) -> tuple[str, kconfig.Config, list[str]]:
    cfg = kconfig.from_dict(yaml.safe_load(user_text) or {}, "config.yaml")
    changes, notes = merge.changes(cfg, t, HOME)
    out = configedit.apply(user_text, changes, "config.yaml")
    return out, kconfig.from_dict(yaml.safe_load(out) or {}, "config.yaml"), notes


def test_comments_order_and_quoting_survive() -> None:
    user = ("# kctx settings\nconfirm: yes  # y/N is enough for me\nprotect:\n  contexts:\n  - 'mine-*'  # mine\n"
            "\n  # servers later\nkubectl:\n  default: '1.30'\n")
    out, cfg, _ = merged(user, team(confirm="name", protect={"servers": ["https://*.prod*"]}))
    assert out.startswith("# kctx settings\nconfirm: name  # y/N is enough for me\nprotect:\n  contexts:\n"
                          "  - 'mine-*'  # mine\n  - prod-eu\n")
    assert "\n  # servers later\n" in out and "  default: '1.30'\n" in out
    assert cfg.protect_contexts == ["mine-*", "prod-eu"] and cfg.protect_servers == ["https://*.prod*"]
    assert cfg.confirm == "name" and cfg.kubeconfigs == list(kconfig.DEFAULT_GLOBS)


def test_a_second_merge_changes_nothing() -> None:
    t = team(confirm="name", colors={"stag*": "yellow"}, kubeconfigs=["~/team/*.yaml"],
             clusters={"prod-eu": {"environment": "prod", "source": {"file": "p"}, "kubectl": "1.29",
                                   "aliases": ["prod"], "color": "red"}})
    out, cfg, _ = merged("", t)
    assert merge.changes(cfg, t, HOME) == ([], [])
    assert cfg.kubectl_pins == {"prod-eu": "1.29", "prod": "1.29"}
    assert cfg.raw["colors"] == {"stag*": "yellow", "prod-eu": "red", "prod": "red"}
    # the defaults stay in force when kubeconfigs is first written
    assert cfg.kubeconfigs == ["~/.kube/config", "~/.kube/configs/*", "~/team/*.yaml"]


def test_user_settings_win_where_stricter() -> None:
    user = "confirm: name\nkubectl:\n  pins:\n    'prod-*': '1.29.4'\ncolors:\n  prod-eu: blue\n"
    t = team(confirm="yes", clusters={"prod-eu": {"environment": "prod", "source": {"file": "p"},
                                                  "kubectl": "1.29", "color": "red"}})
    out, cfg, _ = merged(user, t)
    assert cfg.confirm == "name"  # "yes" never weakens "name"
    assert cfg.kubectl_pins == {"prod-*": "1.29.4"}  # 1.29.4 satisfies the team's 1.29
    assert cfg.raw["colors"] == {"prod-eu": "blue"}
    assert out == user.replace("\n", "\n", 1) + "protect:\n  contexts:\n    - prod-eu\n"


def test_a_conflicting_pin_is_put_ahead_of_the_users_globs() -> None:
    user = "kubectl:\n  pins:\n    'prod-*': '1.27'\n"
    t = team(clusters={"prod-eu": {"environment": "prod", "source": {"file": "p"}, "kubectl": "1.29",
                                   "aliases": ["prod"]}})
    _, cfg, notes = merged(user, t)
    assert list(cfg.kubectl_pins.items()) == [("prod-eu", "1.29"), ("prod", "1.29"), ("prod-*", "1.27")]
    assert notes == []


def test_an_existing_exact_pin_behind_a_glob_is_reported() -> None:
    user = "kubectl:\n  pins: {'prod-*': '1.27', prod-eu: '1.28'}\n"
    t = team(clusters={"prod-eu": {"environment": "prod", "source": {"file": "p"}, "kubectl": "1.29"}})
    out, cfg, notes = merged(user, t)
    assert out.startswith("kubectl:\n  pins: {'prod-*': '1.27', prod-eu: \"1.29\"}\n")
    assert len(notes) == 1 and 'move "prod-eu" above "prod-*"' in notes[0]


def test_team_files_are_found_even_when_the_user_narrowed_the_globs() -> None:
    _, cfg, _ = merged("kubeconfigs: [~/.kube/config]\n", team())
    assert cfg.kubeconfigs == ["~/.kube/config", "~/.kube/configs/pay.*"]
    assert merge.covers("~/.kube/configs/*", f"{HOME}/.kube/configs/pay.x.yaml", HOME)
    assert not merge.covers("~/.kube/*", f"{HOME}/.kube/configs/pay.x.yaml", HOME)


def test_layouts() -> None:
    add = [Change("add", ("protect", "contexts"), values=("b", "*-prod"))]
    assert configedit.apply("protect: {contexts: [a]}\n", add, "c") == 'protect: {contexts: [a, b, "*-prod"]}\n'
    assert configedit.apply("protect:\n  contexts: a\n", add, "c") == 'protect:\n  contexts: [a, b, "*-prod"]\n'
    assert configedit.apply("protect:\n", add, "c") == 'protect:\n  contexts:\n    - b\n    - "*-prod"\n'
    assert configedit.apply("protect: ~\n", add, "c") == 'protect: {contexts: [b, "*-prod"]}\n'
    assert configedit.apply("x: 1", add, "c") == 'x: 1\nprotect:\n  contexts:\n    - b\n    - "*-prod"\n'
    bom = "\ufeffa:\n- 1\n"  # a BOM stays; lists follow the file's own indentation
    assert configedit.apply(bom, add, "c") == bom + 'protect:\n  contexts:\n  - b\n  - "*-prod"\n'


def test_anchors_are_refused_rather_than_miswritten() -> None:
    text = "protect:\n  contexts: &p [a]\n  clusters: *p\n"
    try:
        configedit.apply(text, [Change("add", ("protect", "contexts"), values=("b",))], "cfg.yaml")
    except kconfig.KctxError as exc:
        assert exc.message.startswith("cfg.yaml: cannot edit this file safely")
        assert "protect.contexts: add b" in exc.message
    else:
        raise AssertionError("expected a refusal")


# ---------------------------------------------------------------- property: protection is a union

GLOB = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x85\u2028\u2029\ufeff"),
               min_size=1, max_size=10).filter(lambda s: s.strip())
LISTS = st.fixed_dictionaries({k: st.lists(GLOB, max_size=4) for k in schema.PROTECT_KINDS})


def user_text(protect: dict[str, list[str]], style: str, confirm: str) -> str:
    """A config written by a human in one of several layouts."""
    lines = ["# mine", f"confirm: {confirm}"] if confirm else ["# mine"]
    if style == "none":
        return "\n".join(lines) + "\n"
    lines.append("protect:")
    for kind, globs in protect.items():
        if style == "flow":
            lines.append(f"  {kind}: [{', '.join(yaml_scalar(g, flow=True) for g in globs)}]")
        elif globs:
            lines += [f"  {kind}:"] + [f"  - {yaml_scalar(g)}  # keep" for g in globs]
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None)
@given(user=LISTS, team_protect=LISTS, prod_names=st.lists(GLOB, max_size=3, unique=True),
       style=st.sampled_from(["block", "flow", "none"]), user_confirm=st.sampled_from(["", "name", "yes"]),
       team_confirm=st.sampled_from([None, "name", "yes"]))
def test_protection_is_never_weakened(user, team_protect, prod_names, style, user_confirm, team_confirm) -> None:
    if style == "none":
        user = {k: [] for k in schema.PROTECT_KINDS}
    clusters = {"prod": {"environment": "prod", "source": {"file": "p"}, "contexts": prod_names or None}}
    top = {"protect": team_protect, "clusters": clusters}
    if team_confirm:
        top["confirm"] = team_confirm
    t = team(**top)
    out, cfg, _ = merged(user_text(user, style, user_confirm), t)
    wanted = t.protected_globs()
    for kind in schema.PROTECT_KINDS:
        got = set(getattr(cfg, f"protect_{kind}"))
        assert got >= set(user[kind]) | set(team_protect[kind]) | set(wanted[kind]), kind
    if "name" in (user_confirm or "name", team_confirm):
        assert cfg.confirm == "name"
    assert out.startswith("# mine\n")
    assert merge.changes(cfg, t, HOME)[0] == []  # and a second merge has nothing left to do
