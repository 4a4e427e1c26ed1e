"""Run the plan: progress on stderr, the outcome on stdout. A failing step stops the run: what is done
stays done, later steps stay untouched, and the same command continues from there."""

from __future__ import annotations

from dataclasses import dataclass, field

from kctx.env import Environment
from kctx.errors import KctxError
from kctx.onboard.sources import CommandFailed
from kctx.onboard.step import Step


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    would: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)  # programs kubectl runs for the team's contexts
    commands: str = ""  # a dry run: the team file's commands, with a heading


def execute(steps: list[Step], env: Environment, *, dry_run: bool) -> Outcome:
    out = Outcome()
    for i, step in enumerate(steps, 1):
        _progress(env, f"[{i}/{len(steps)}] {step.label}")
        try:
            changes = step.pending()
            if changes and dry_run:
                out.would += changes
            elif changes:
                out.done += step.run()
            out.todo += [t for t in step.todo() if t not in out.todo]
            out.plugins += step.plugin_notes(dry_run)
        except KctxError as exc:
            _print_partial(env, out)
            if isinstance(exc, CommandFailed) and exc.stderr:
                env.stderr.write("".join(f"  | {line}\n" for line in exc.stderr.splitlines()))
            later = "; the steps after it were not run" if i < len(steps) else ""
            raise KctxError(f"{exc.message} (step {i}/{len(steps)}: {step.label}{later}; fix it and run the same "
                            "command again: completed steps are skipped)", exc.status) from None
    return out


def _progress(env: Environment, text: str) -> None:
    env.stderr.write(f"kctx onboard: {text}\n")
    env.stderr.flush()


def report(env: Environment, out: Outcome, team_label: str, *, dry_run: bool) -> None:
    w = env.stdout.write
    if not out.done and not out.would:
        w(f"nothing to do: this machine already matches {team_label}\n")
    if out.done:
        w(f"onboarded {team_label}:\n" + _items("✔", out.done))
    if out.would:
        w(f"dry run for {team_label} (nothing was changed); would:\n" + _items("-", out.would))
    w(out.commands)
    if out.plugins:
        w("credential plugins: kubectl runs these programs as you for the team's contexts:\n"
          + _items("-", out.plugins))
    if out.todo:
        w("still to do:\n" + _items("-", out.todo))


def _print_partial(env: Environment, out: Outcome) -> None:
    if out.done:
        env.stdout.write("done before the failure:\n" + _items("✔", out.done))
    if out.would:
        env.stdout.write("would, before the failure:\n" + _items("-", out.would))


def _items(mark: str, lines: list[str]) -> str:
    return "".join(f"  {mark} {line}\n" for line in lines)
