"""`kctx ctx` against kubectx's (Go) behaviour: output, streams, exit codes and minimal file edits."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from tests.runner import kctx

CONFIG = """\
# my clusters -- keep this comment
apiVersion: v1
kind: Config
preferences: {}
clusters:
    - cluster:
          server: https://dev.example:6443   # dev API
      name: dev
    - cluster:
          server: https://prod.example:6443
      name: prod
users:
    - name: dev
      user:
          token: dev-token
    - name: prod
      user:
          token: prod-token
contexts:
    # the everyday one
    - context:
          cluster: dev
          user: dev
      name: dev
    - context:
          cluster: prod
          user: prod
          namespace: web
      name: prod
    - context:
          cluster: dev
          user: dev
      name: dev10
    - context:
          cluster: dev
          user: dev
      name: dev2
current-context: dev
"""


@pytest.fixture
def kube(home: Path) -> Path:
    path = home / ".kube" / "config"
    path.write_text(CONFIG)
    path.chmod(0o600)
    return path


def changed_lines(before: str, after: str) -> list[str]:
    return [d for d in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if d[:1] in "+-" and not d.startswith(("+++", "---"))]


def test_list_is_natural_sorted_on_stdout(kube):
    r = kctx("ctx", env={"NO_COLOR": "1"})
    assert (r.code, r.out, r.err) == (0, "dev\ndev2\ndev10\nprod\n", "")


def test_list_highlights_current_when_colour_forced(kube):
    r = kctx("ctx", env={"_KUBECTX_FORCE_COLOR": "1"})
    assert "\033[32;1mdev\033[0m\n" in r.out


def test_switch_edits_only_the_current_context_line(kube, home):
    r = kctx("ctx", "prod", env={"NO_COLOR": "1"})
    assert (r.code, r.out, r.err) == (0, "", '✔ Switched to context "prod".\n')
    assert changed_lines(CONFIG, kube.read_text()) == ["-current-context: dev", "+current-context: prod"]
    assert (home / ".kube" / "kubectx").read_text() == "dev"
    assert oct(kube.stat().st_mode & 0o777) == "0o600"
    r = kctx("ctx", "-", env={"NO_COLOR": "1"})
    assert r.err == '✔ Switched to context "dev".\n'
    assert kube.read_text() == CONFIG


def test_switch_unknown_context(kube):
    r = kctx("ctx", "nope", env={"NO_COLOR": "1"})
    assert (r.code, r.out) == (1, "")
    assert r.err == 'error: failed to switch context: no context exists with the name: "nope"\n'
    assert kube.read_text() == CONFIG


def test_a_mistyped_context_gets_a_did_you_mean(kube):
    r = kctx("ctx", "prdo", env={"NO_COLOR": "1"})
    assert r.err == 'error: failed to switch context: no context exists with the name: "prdo" (did you mean "prod"?)\n'
    r = kctx("ctx", "-d", "Dev2", env={"NO_COLOR": "1"})  # another case is another name, and the likeliest meant
    assert r.err.endswith('error: error deleting context "Dev2": context does not exist (did you mean "dev2"?)\n')
    r = kctx("ctx", "new=prdo", env={"NO_COLOR": "1"})
    assert r.err == 'error: context "prdo" not found, can\'t rename it (did you mean "prod"?)\n'
    assert kube.read_text() == CONFIG


def test_swap_without_previous(kube):
    r = kctx("ctx", "-", env={"NO_COLOR": "1"})
    assert (r.code, r.err) == (1, "error: failed to switch context: no previous context found\n")


def test_current_and_unset(kube):
    assert kctx("ctx", "-c").out == "dev\n"
    r = kctx("ctx", "--unset", env={"NO_COLOR": "1"})
    assert (r.code, r.err) == (0, "✔ Active context unset for kubectl.\n")
    assert changed_lines(CONFIG, kube.read_text()) == ["-current-context: dev", '+current-context: ""']
    r = kctx("ctx", "-c", env={"NO_COLOR": "1"})
    assert (r.code, r.out, r.err) == (1, "", "error: current-context is not set\n")


def test_rename_current_with_dot(kube):
    r = kctx("ctx", "development=.", env={"NO_COLOR": "1"})
    assert (r.code, r.err) == (0, "✔ Context dev renamed to development.\n")
    assert changed_lines(CONFIG, kube.read_text()) == [
        "-      name: dev", "+      name: development", "-current-context: dev", "+current-context: development"]


def test_rename_over_existing_warns_and_replaces(kube):
    r = kctx("ctx", "dev2=dev10", env={"NO_COLOR": "1"})
    assert r.code == 0
    assert r.err == 'warning: context "dev2" exists, overwriting it.\n✔ Context dev10 renamed to dev2.\n'
    assert kctx("ctx", env={"NO_COLOR": "1"}).out == "dev\ndev2\nprod\n"


def test_rename_missing(kube):
    r = kctx("ctx", "a=zzz", env={"NO_COLOR": "1"})
    assert (r.code, r.err) == (1, 'error: context "zzz" not found, can\'t rename it\n')


def test_delete_keeps_clusters_users_and_comments(kube):
    r = kctx("ctx", "-d", "dev10", "dev2", env={"NO_COLOR": "1"})
    assert (r.code, r.err) == (0, "✔ Deleted context dev10.\n✔ Deleted context dev2.\n")
    text = kube.read_text()
    assert "# the everyday one" in text and "# my clusters -- keep this comment" in text
    assert all(line.startswith("-") for line in changed_lines(CONFIG, text))
    assert "token: dev-token" in text  # users and clusters are never removed by a context delete


def test_delete_current_with_dot_warns(kube):
    r = kctx("ctx", "-d", ".", env={"NO_COLOR": "1"})
    assert r.err == ('warning: You deleted the current context. Use "kubectx" to select a new context.\n'
                     "✔ Deleted context dev.\n")


def test_delete_stops_at_first_error(kube):
    r = kctx("ctx", "-d", "dev2", "nope", "dev10", env={"NO_COLOR": "1"})
    assert r.code == 1
    assert r.err.endswith('error: error deleting context "nope": context does not exist\n')
    assert kctx("ctx", env={"NO_COLOR": "1"}).out == "dev\ndev10\nprod\n"


@pytest.mark.parametrize("argv, message", [
    (["-d"], "'-d' needs arguments"),
    (["a", "b"], "too many arguments"),
    (["--bogus"], "unsupported option '--bogus'"),
])
def test_usage_errors(kube, argv, message):
    r = kctx("ctx", *argv, env={"NO_COLOR": "1"})
    assert (r.code, r.out, r.err) == (1, "", f"error: {message}\n")


def test_help_on_stdout(kube):
    r = kctx("ctx", "-h")
    assert r.code == 0 and r.out.startswith("usage: kctx ctx ") and "-d NAME [NAME…]" in r.out  # kctx's layout
    assert "\nexamples:\n  kctx ctx" in r.out


def test_missing_kubeconfig_lists_with_warning(home):
    r = kctx("ctx", env={"NO_COLOR": "1"})
    assert (r.code, r.out, r.err) == (0, "", "warning: kubeconfig file not found\n")


def test_broken_file_is_named_and_others_keep_working(kube, home, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("contexts:\n- name: [x\n")
    r = kctx("ctx", env={"NO_COLOR": "1", "KUBECONFIG": f"{kube}:{bad}"})
    assert r.code == 0
    assert r.out == "dev\ndev2\ndev10\nprod\n"
    assert f"{bad}: line " in r.err and "invalid YAML" in r.err and len(r.err.splitlines()) == 1


def test_multiple_files_switch_writes_first_existing_like_kubectl(kube, home, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(CONFIG.replace("current-context: dev", "current-context: prod"))
    r = kctx("ctx", "dev2", env={"NO_COLOR": "1", "KUBECONFIG": f"{tmp_path / 'missing'}:{kube}:{other}"})
    assert r.code == 0
    assert "current-context: dev2" in kube.read_text()
    assert "current-context: prod" in other.read_text()
