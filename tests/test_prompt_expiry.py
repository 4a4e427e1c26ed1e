"""The expired-credential mark in the prompt people see, in real interactive bash, zsh and fish: a session
on a context whose client certificate or bearer token (a JWT) has expired shows the mark, a valid one does
not. bash and zsh compare the expiry with their own clock at every prompt, so a credential that expires
while the shell sits idle is marked at the next prompt; fish has no clock without a fork and shows the
state as of kctx's last write of the session."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from tests.kubeconfigs import write
from tests.test_credentials import DAY, cert_pem, jwt, user_doc, utc
from tests.test_prompt_interactive import spawn
from tests.tools import require_module

pexpect = require_module("pexpect")
MARK = "✗"


@pytest.fixture
def creds(home: Path) -> Path:
    now = time.time()

    def cert(when: float) -> dict[str, str]:
        return {"client-certificate-data": base64.b64encode(cert_pem(utc(when))).decode(), "client-key-data": "a2V5"}

    write(home / ".kube" / "config", user_doc({
        "old-cert": cert(now - 2 * DAY), "fine-cert": cert(now + 90 * DAY),
        "old-token": {"token": jwt({"exp": int(now - DAY)})}, "fine-token": {"token": jwt({"exp": int(now + DAY)})},
    }))
    return home


def prompt_mark(child, context: str) -> str:
    """Wait for the prompt on ``context``; return what stands between the namespace and "$"."""
    child.expect(rf"⎈ {context}:default(\S*) \$ ", timeout=30)
    return str(child.match.group(1))


def use(child, context: str) -> str:
    """`kctx use CONTEXT`, then the mark of the prompt after it (fish redraws the old prompt while a line
    is typed: wait for the command's output first)."""
    child.sendline(f"kctx use {context}")
    child.expect_exact(f'Switched to context "{context}".', timeout=30)
    return prompt_mark(child, context)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_an_expired_certificate_or_token_is_marked_a_valid_one_is_not(shell, creds):
    child = spawn(shell, creds)
    try:
        assert prompt_mark(child, "old-cert") == MARK  # the kubeconfig's current context, at the first prompt
        for context, mark in (("fine-cert", ""), ("old-token", MARK), ("fine-token", ""), ("old-cert", MARK)):
            assert use(child, context) == mark, context
    finally:
        child.sendline("exit")
        child.expect(pexpect.EOF)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_credential_that_expires_in_an_open_shell(shell, creds):
    child = spawn(shell, creds)
    try:
        prompt_mark(child, "old-cert")
        expires = int(time.time()) + 4
        write(creds / ".kube" / "configs" / "soon.yaml", user_doc({"soon": {"token": jwt({"exp": expires})}}))
        assert use(child, "soon") == ""
        assert time.time() < expires, "the shell was too slow to see the token before it expired"
        time.sleep(expires + 1 - time.time())
        if shell != "fish":  # bash and zsh read their clock at each prompt
            child.sendline("")
            assert prompt_mark(child, "soon") == MARK
        assert use(child, "soon") == MARK  # kctx writes the session again: every shell sees it now
    finally:
        child.sendline("exit")
        child.expect(pexpect.EOF)
