"""tests/tools.py: a missing tool skips a test on a developer's machine and fails it in CI."""

from __future__ import annotations

import pytest

from tests.tools import require_module, require_tool


def test_a_missing_tool_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-tool-kctx is not installed"):
        require_tool("no-such-tool-kctx")
    with pytest.raises(pytest.skip.Exception, match="no_such_module_kctx"):
        require_module("no_such_module_kctx")


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_a_missing_tool_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="no-such-tool-kctx is not installed.*CI=true"):
        require_tool("no-such-tool-kctx")


def test_a_present_tool_is_found(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert require_tool("sh").endswith("/sh")
    assert require_module("json").dumps([]) == "[]"
