"""Kubeconfig files on which YAML readers disagree, with how the real kubectl and kctx must come out on each.

Each case is (id, file bytes, expected outcome) where the outcome is one of tests/yaml_oracle.py's:
"agree" (kctx reads what kubectl reads), "both-refuse" (kubectl refuses the file, so does kctx) or
"fail-closed" (kubectl reads it, kctx reports it: the guard then judges no target from it). Files hold
``$DEV`` and ``$PROD`` for the stand-in servers' URLs, so that the test can also see which server kubectl
sends a request to. tests/test_yaml_oracle.py runs them against the oldest and the newest kubectl.
"""

from __future__ import annotations

# Two clusters, two users, two contexts; every case starts from it or changes it.
BASE = """\
apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster: {server: "$DEV/dev", insecure-skip-tls-verify: true}
- name: prod
  cluster: {server: "$PROD/prod", insecure-skip-tls-verify: true}
users:
- {name: u, user: {token: t}}
"""


def _file(contexts: str, current: str = "current-context: dev\n") -> str:
    return BASE + "contexts:\n" + contexts + current


DEV = "- name: dev\n  context: {cluster: dev, user: u}\n"
PROD = "- name: prod\n  context: {cluster: prod, user: u}\n"


def _ctx(body: str, name: str = "dev") -> str:
    """A context ``name`` whose body is the block ``body`` (lines indented under ``context:``), with a user if it
    names none (kubectl asks for one on the terminal otherwise)."""
    lines = "".join(f"    {line}\n" for line in body.splitlines() + ([] if "user:" in body else ["user: u"]))
    return f"- name: {name}\n  context:\n{lines}"


def _json(current: str, extra: str = "") -> str:
    return ('{"apiVersion": "v1", "kind": "Config", "clusters": [{"name": "dev", "cluster": {"server": "$DEV/dev", '
            '"insecure-skip-tls-verify": true}}, {"name": "de v", "cluster": {"server": "$PROD/prod", '
            '"insecure-skip-tls-verify": true}}], "users": [{"name": "u", "user": {"token": "t"}}], '
            '"contexts": [{"name": "dev", "context": {"cluster": "dev", "user": "u"}}, '
            '{"name": "de v", "context": {"cluster": "de v", "user": "u"' + extra + '}}], '
            '"current-context": ' + current + "}\n")


def _aliases(n: int) -> str:
    """A list of 200 names and ``n`` aliases of it: 199 is the most go-yaml decodes."""
    return ("x-names: &a [" + ", ".join(["s"] * 200) + "]\nx-uses: [" + ", ".join(["*a"] * n) + "]\n"
            + _file(DEV + PROD, "current-context: prod\n"))


def _merges(n: int) -> str:
    """``n`` maps that merge one map of 100 keys: 1976 is the most go-yaml decodes."""
    return ("x-map: &m {" + ", ".join(f"k{i}: v" for i in range(100)) + "}\nx-uses: [" + ", ".join(["{<<: *m}"] * n)
            + "]\n" + _file(DEV + PROD, "current-context: prod\n"))


_CASES: list[tuple[str, str | bytes, str]] = [
    ("plain", _file(DEV + PROD), "agree"),
    # Merge keys: go-yaml sets merged keys over the keys before them; keys after a merge override it.
    ("merge-after-key", _file(_ctx("cluster: dev\nuser: u\n<<: {cluster: prod}")), "agree"),
    ("merge-before-key", _file(_ctx("<<: {cluster: prod}\ncluster: dev\nuser: u")), "agree"),
    ("merge-list-first-wins", _file(_ctx("user: u\n<<: [{cluster: prod}, {cluster: dev}]")), "agree"),
    ("merge-alias", "x-base: &b {cluster: prod, user: u, namespace: ns}\n" + _file(_ctx("cluster: dev\n<<: *b")),
     "agree"),
    ("merge-alias-then-key", "x-base: &b {cluster: prod, user: u}\n" + _file(_ctx("<<: *b\ncluster: dev")), "agree"),
    ("merge-top-level", _file(DEV + PROD, "current-context: dev\n<<: {current-context: prod}\n"), "agree"),
    ("merge-tagged", _file(DEV + PROD, "current-context: dev\n!!merge <<: {current-context: prod}\n"), "agree"),
    ("merge-quoted-is-a-key", _file(DEV + PROD, 'current-context: dev\n"<<": {current-context: prod}\n'), "agree"),
    ("merge-two", _file(_ctx("<<: {cluster: prod}\nuser: u\n<<: {cluster: dev}")), "agree"),
    ("merge-of-a-scalar", _file(_ctx("cluster: dev\n<<: prod")), "both-refuse"),
    ("merge-alias-of-a-list", "x: &l [a]\n" + _file(_ctx("cluster: dev\n<<: *l")), "both-refuse"),
    # go-yaml counts the nodes it decodes (an alias's target each time) and refuses "excessive aliasing".
    ("aliasing-at-the-limit", _aliases(199), "agree"),
    ("aliasing-over-the-limit", _aliases(200), "both-refuse"),
    ("merged-aliases-at-the-limit", _merges(1976), "agree"),  # past 400,000 nodes the allowed share falls
    ("merged-aliases-over-the-limit", _merges(1977), "both-refuse"),
    ("duplicate-key-last-wins", _file(DEV + PROD, "current-context: dev\ncurrent-context: prod\n"), "agree"),
    # YAML 1.1 typing as go-yaml does it.
    ("sexagesimal-name", _file(DEV + PROD.replace("prod", "1:30", 1), "current-context: 1:30\n"), "agree"),
    ("sexagesimal-namespace", _file(_ctx("cluster: prod\nuser: u\nnamespace: 1:30")), "agree"),
    ("octal-namespace", _file(_ctx("cluster: prod\nnamespace: 010")), "both-refuse"),
    ("not-octal-namespace", _file(_ctx("cluster: prod\nnamespace: 08")), "both-refuse"),
    ("hex-name", _file(DEV + PROD.replace("prod", "0x1F", 1), "current-context: 0x1F\n"), "both-refuse"),
    ("date-name", _file(DEV + PROD.replace("prod", "2001-12-14", 1), "current-context: 2001-12-14\n"), "agree"),
    ("timestamp-name", _file(DEV + PROD.replace("- name: prod", "- name: 2001-12-14t21:59:43.10-05:00"),
                             "current-context: 2001-12-14t21:59:43.10-05:00\n"), "agree"),
    ("spaced-timestamp", _file(_ctx("cluster: prod\nnamespace: 2001-12-14 21:59:43.10 -5")), "agree"),
    ("float-overflow-is-text", _file(DEV + PROD.replace("prod", "1e400", 1), "current-context: 1e400\n"), "agree"),
    ("big-int-is-a-number", _file(_ctx("cluster: prod\nnamespace: 99999999999999999999")), "both-refuse"),
    ("underscore-float", _file(_ctx("cluster: prod\nnamespace: ._5")), "agree"),
    ("y-is-true", _file(_ctx("cluster: prod\nnamespace: y")), "both-refuse"),
    ("y-as-key", _file(DEV + PROD, "current-context: prod\ny: dev\n"), "agree"),
    ("yes-as-flag", BASE.replace("insecure-skip-tls-verify: true}", "insecure-skip-tls-verify: yes}")
     + "contexts:\n" + PROD + "current-context: prod\n", "agree"),
    ("quoted-true-as-flag", BASE.replace("insecure-skip-tls-verify: true}", "insecure-skip-tls-verify: 'true'}"),
     "both-refuse"),
    ("y-as-protection-mark", _file(DEV + "- name: prod\n  context:\n    cluster: prod\n    user: u\n    extensions:\n"
                                   "    - {name: kctx, extension: {protected: y}}\n", "current-context: prod\n"),
     "agree"),
    ("null-key", _file(DEV, "current-context: dev\n~: x\n"), "both-refuse"),
    ("infinity", _file(DEV, "current-context: dev\nx: .inf\n"), "both-refuse"),
    ("nan", _file(DEV, "current-context: dev\nx: .NaN\n"), "both-refuse"),
    # Tags.
    ("str-tag", _file(_ctx("cluster: prod\nnamespace: !!str 123")), "agree"),
    ("binary-value", _file(DEV + PROD, "current-context: !!binary cHJvZA==\n"), "agree"),
    ("binary-key", _file(DEV + PROD, "current-context: dev\n!!binary Y3VycmVudC1jb250ZXh0: prod\n"), "agree"),
    ("binary-block", _file(DEV + PROD, "current-context: !!binary |\n  cH\n  JvZA==\n"), "agree"),
    ("binary-not-utf8", _file(DEV + PROD.replace("prod", "\ufffd\ufffdx", 1), "current-context: !!binary /+54\n"),
     "agree"),
    ("binary-bad-base64", _file(DEV + PROD, "current-context: !!binary cHJvZA\n"), "both-refuse"),
    ("int-tag", _file(_ctx("cluster: prod\nnamespace: !!int '5'")), "both-refuse"),
    ("local-tag", _file(DEV + PROD, "current-context: !x prod\n"), "agree"),
    ("local-tag-number", _file(DEV + PROD.replace("prod", "5", 1), "current-context: !x 5\n"), "both-refuse"),
    ("non-specific-tag", _file(DEV + PROD.replace("prod", "! 5", 1), "current-context: ! 5\n"), "agree"),
    ("non-specific-merge", _file(_ctx("cluster: dev\nuser: u\n! <<: {cluster: prod}")), "agree"),
    ("non-specific-quoted-merge", _file(_ctx('cluster: dev\nuser: u\n! "<<": {cluster: prod}')), "agree"),
    ("merge-tag-on-text", _file(DEV + PROD, "current-context: !!merge prod\n"), "agree"),
    ("str-tag-merge-key", _file(_ctx("cluster: dev\nuser: u\n!!str <<: {cluster: prod}")), "agree"),
    ("bool-tag", BASE.replace("insecure-skip-tls-verify: true}", "insecure-skip-tls-verify: !!bool y}"), "agree"),
    ("float-tag-on-int", _file(DEV + PROD, "current-context: prod\nx: !!float 5\n"), "agree"),
    ("float-tag-on-uint", _file(DEV + PROD, "current-context: prod\nx: !!float 18446744073709551615\n"),
     "both-refuse"),
    ("null-tag", _file(_ctx("cluster: prod\nuser: u\nnamespace: !!null ''")), "agree"),
    ("null-tag-on-text", _file(_ctx("cluster: prod\nuser: u\nnamespace: !!null x")), "both-refuse"),
    ("timestamp-tag", _file(_ctx("cluster: prod\nuser: u\nnamespace: !!timestamp 2001-12-14")), "fail-closed"),
    ("tagged-map", _file("- name: prod\n  context: !!map {cluster: prod, user: u}\n", "current-context: prod\n"),
     "agree"),
    ("local-tag-on-list", _file("- name: prod\n  context: {cluster: prod, user: u}\n").replace(
        "contexts:\n", "contexts: !x\n"), "agree"),
    ("str-tag-on-map", _file("- name: prod\n  context: !!str {cluster: prod, user: u}\n", "current-context: prod\n"),
     "agree"),
    ("binary-tag-on-list", _file("- name: prod\n  context: {cluster: prod, user: u}\n").replace(
        "contexts:\n", "contexts: !!binary\n"), "agree"),
    ("seq-tag-on-map", _file("- name: prod\n  context: !!seq {cluster: prod, user: u}\n", "current-context: prod\n"),
     "agree"),
    # Layout and characters.
    ("bom", "\ufeff" + _file(DEV + PROD, "current-context: prod\n"), "agree"),
    ("crlf", _file(DEV + PROD, "current-context: prod\n").replace("\n", "\r\n"), "agree"),
    ("nel-line-break", _file(DEV + PROD, "current-context: prod\u0085x: y\n"), "agree"),
    ("ls-in-plain", _file(DEV + PROD, "current-context: prod\u2028x\n"), "both-refuse"),
    ("tab-after-colon", _file(DEV + PROD, "current-context:\tprod\n"), "agree"),
    ("second-document", _file(DEV + PROD, "current-context: dev\n---\ncurrent-context: prod\n"), "agree"),
    ("broken-second-document", _file(DEV + PROD, "current-context: dev\n---\n]: [\n"), "agree"),
    ("yaml-1.2", "%YAML 1.2\n---\n" + _file(DEV + PROD), "both-refuse"),
    ("escapes", _file(DEV + PROD.replace("prod", "p\\x72od", 1), 'current-context: "\\x70rod"\n'), "agree"),
    ("slash-escape", _file(DEV + PROD, 'current-context: "pr\\/od"\n'), "both-refuse"),
    ("not-utf8", _file(DEV + PROD, "current-context: prod\n").encode() + b"x: \xff\n", "both-refuse"),
    ("utf16", _file(DEV + PROD, "current-context: prod\n").encode("utf-16"), "agree"),
    ("utf16-slash-escape", _file(DEV + PROD, 'current-context: "\U0001F600pr\\/od"\n').encode("utf-16"),
     "both-refuse"),
    ("bom-slash-escape", "\ufeff" + _file(DEV + PROD, 'current-context: "\u00e9pr\\/od"\n'), "both-refuse"),
    ("utf16-second-bom-ends-the-document", ("\ufeffcurrent-context: prod\n" + _file(DEV + PROD)).encode("utf-16"),
     "agree"),
    ("long-key", _file(DEV + PROD, "current-context: prod\n" + "k" * 1100 + ": v\n"), "both-refuse"),
    # Field names and types, as Go's JSON decoder checks them.
    ("field-case", _file(DEV + PROD, "current-context: dev\nCurrent-Context: prod\n"), "agree"),
    ("kind-case", _file(DEV + PROD, "current-context: dev\nKIND: Pod\n"), "agree"),  # "kind" sorts after it
    ("kind-case-only", _file(DEV + PROD).replace("kind: Config", "Kind: Pod"), "both-refuse"),
    ("number-name", _file(DEV + PROD.replace("prod", "5", 1), "current-context: prod\n"), "both-refuse"),
    ("list-as-body", _file(DEV + "- name: prod\n  context: [a]\n"), "both-refuse"),
    ("duplicate-context", _file(DEV + DEV.replace("dev, user", "prod, user")), "both-refuse"),
    ("null-entry", _file(DEV + "- ~\n" + PROD, "current-context: prod\n"), "agree"),
    # JSON, which kubectl reads as YAML.
    ("json", _json('"de v"'), "agree"),
    ("json-nel", _json('"de\u0085v"'), "agree"),
    ("json-escaped-nel", _json('"de\\u0085v"'), "agree"),
    ("json-ls", _json('"de\u2028v"'), "agree"),
    ("json-escapes", _json('"\\u0064\\u0065\\u0020v"'), "agree"),
    ("json-slash", _json('"de\\/v"'), "both-refuse"),
    ("json-surrogates", _json('"\\ud83d\\ude00"'), "both-refuse"),
    ("json-float-overflow", _json('"de v"', ', "namespace": 1e400'), "agree"),
    ("json-number", _json('"de v"', ', "namespace": 10'), "both-refuse"),
    ("json-duplicate", _json('"dev", "current-context": "de v"'), "agree"),
    ("json-nan", _json('"dev"', ', "namespace": NaN'), "agree"),  # NaN is text to YAML
    ("json-tabs", _json('"de v"').replace(", ", ",\t"), "agree"),
]

CASES: list[tuple[str, bytes, str]] = [(name, text if isinstance(text, bytes) else text.encode(), outcome)
                                       for name, text, outcome in _CASES]
