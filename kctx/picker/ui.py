"""The picker on the terminal (prompt_toolkit, imported only when it opens): type to filter, Up/Down or
Ctrl-P/Ctrl-N (and Tab) to move, Enter to pick, Esc, Ctrl-C or Ctrl-G to cancel. It is drawn below the
cursor and erased when done, like fzf with --height.

``pick_many`` chooses several, like fzf --multi: Space or Tab marks the entry under the cursor (or unmarks
it) and moves down, Shift-Tab marks and moves up; Enter confirms the marked ones (none marked: none).
Nothing starts marked."""

from __future__ import annotations

from kctx.picker.fuzzy import Match, rank

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from typing import Any, TextIO

    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.formatted_text import StyleAndTextTuples
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
    from prompt_toolkit.styles import BaseStyle

ROWS = 10
NAME_WIDTH = 40  # tags line up after names up to this long
STYLE_RULES = {
    "picker.prompt": "bold",
    "picker.selected": "reverse",
    "picker.match": "fg:ansigreen bold underline",
    "picker.current": "fg:ansigreen bold",
    "picker.protected": "fg:ansired bold",
    "picker.count": "italic",
    "picker.none": "italic",
    "picker.mark": "fg:ansiyellow bold",
    "picker.note": "fg:ansibrightblack",
}


class Entry:
    """One choice: its name (what typing filters on), whether it is the current one (tagged, and where the
    cursor starts), whether it is protected (tagged), and a note shown after the tags."""

    __slots__ = ("name", "current", "protected", "note")

    def __init__(self, name: str, current: bool = False, protected: bool = False, note: str = "") -> None:
        self.name, self.current, self.protected, self.note = name, current, protected, note

    def tags(self) -> list[tuple[str, str]]:
        current = [("class:picker.current", "current")] if self.current else []
        return current + ([("class:picker.protected", "protected")] if self.protected else [])


class Picker:
    """The state of the list: the query's matches and the selected row. No terminal: unit-testable."""

    def __init__(self, entries: list[Entry], multi: bool = False) -> None:
        self.entries, self.multi = entries, multi
        self.names = [e.name for e in entries]
        self.matches = rank("", self.names)
        self.selected = next((i for i, e in enumerate(entries) if e.current), 0)
        self.marked: set[int] = set()  # places in ``entries`` (multi only); kept while the query changes

    def filter(self, query: str) -> None:
        self.matches = rank(query, self.names)
        self.selected = 0

    def move(self, step: int) -> None:
        self.selected = min(max(0, self.selected + step), max(0, len(self.matches) - 1))

    def choice(self) -> str | None:
        return self.matches[self.selected].text if self.matches else None

    def toggle(self, step: int = 1) -> None:
        """Mark the entry under the cursor, or unmark it, then move by ``step``."""
        if self.matches:
            self.marked ^= {self.matches[self.selected].index}
        self.move(step)

    def chosen(self) -> list[int]:
        """The marked entries' places in ``entries``, in that order."""
        return sorted(self.marked)

    def rows(self, height: int = ROWS) -> StyleAndTextTuples:
        """The visible rows around the selection, then "shown/total"."""
        if not self.matches:
            return [("class:picker.none", "  (no match)\n"),
                    ("class:picker.count", f"  0/{len(self.names)}{self._marks()}")]
        top = min(max(0, self.selected - height // 2), max(0, len(self.matches) - height))
        shown = self.matches[top:top + height]
        width = min(NAME_WIDTH, max(len(m.text) for m in shown))
        out: StyleAndTextTuples = []
        for i, m in enumerate(shown, top):
            out += self._row(m, i == self.selected, width)
        out.append(("class:picker.count", f"  {len(self.matches)}/{len(self.names)}{self._marks()}"))
        return out

    def _marks(self) -> str:
        return f"  ({len(self.marked)} marked)" if self.multi else ""

    def _row(self, m: Match, selected: bool, width: int) -> StyleAndTextTuples:
        entry = self.entries[m.index]
        base = "class:picker.selected" if selected else ""
        name = f"{base} class:picker.current" if entry.current else base
        hits = set(m.positions)
        row: StyleAndTextTuples = [(base, "> " if selected else "  ")]
        if self.multi:
            row.append((f"{base} class:picker.mark", "[x] " if m.index in self.marked else "[ ] "))
        row += [(f"{name} class:picker.match" if i in hits else name, ch) for i, ch in enumerate(m.text)]
        tags = entry.tags()
        if tags:
            row.append((base, " " * max(2, width - len(m.text) + 2)))
            for n, (style, text) in enumerate(tags):
                row += [(base, ", ")] if n else []
                row.append((f"{base} {style}", text))
        if entry.note:
            gap = 2 if tags else max(2, width - len(m.text) + 2)
            row.append((f"{base} class:picker.note", " " * gap + entry.note))
        row.append(("", "\n"))
        return row


def pick(title: str, entries: list[Entry], style: BaseStyle | None = None, stdin: TextIO | None = None,
         stdout: TextIO | None = None) -> str | None:
    """Let the user choose one entry's name on the terminal; None when cancelled. ``stdin``/``stdout``: the
    terminal to read keys from and draw on (default: the process's own)."""
    state = Picker(entries)
    choice: str | None = _run(state, title, style, stdin, stdout)
    return choice


def pick_many(title: str, entries: list[Entry], style: BaseStyle | None = None, stdin: TextIO | None = None,
              stdout: TextIO | None = None) -> list[int] | None:
    """Let the user mark entries on the terminal: their places in ``entries`` (maybe none), or None when
    cancelled. Names need not be unique."""
    state = Picker(entries, multi=True)
    chosen: list[int] | None = _run(state, title, style, stdin, stdout)
    return chosen


def _run(state: Picker, title: str, style: BaseStyle | None, stdin: TextIO | None,
         stdout: TextIO | None) -> Any:
    """Draw ``state`` below the cursor and run its keys until Enter (the choice) or a cancel (None)."""
    from prompt_toolkit.application import Application
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.input import create_input
    from prompt_toolkit.layout import HSplit, Layout, Window
    from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
    from prompt_toolkit.layout.dimension import Dimension
    from prompt_toolkit.output import create_output
    from prompt_toolkit.styles import Style

    buf = Buffer(multiline=False, on_text_changed=lambda b: state.filter(b.text))
    prefix: StyleAndTextTuples = [("class:picker.prompt", f"{title}> ")]
    layout = Layout(HSplit([
        Window(BufferControl(buf), height=1, get_line_prefix=lambda *_: prefix),
        Window(FormattedTextControl(lambda: state.rows()), height=Dimension(min=1, max=ROWS + 1)),
    ]))
    app: Application[Any] = Application(
        layout=layout, key_bindings=_keys(state, buf), full_screen=False, erase_when_done=True,
        style=style or Style.from_dict(STYLE_RULES),
        input=create_input(stdin) if stdin is not None else None,
        output=create_output(stdout) if stdout is not None else None)
    return app.run()


def _keys(state: Picker, buf: Buffer) -> KeyBindings:
    from prompt_toolkit.key_binding import KeyBindings

    kb = KeyBindings()
    kb.add("up")(kb.add("c-p")(lambda _: state.move(-1)))
    kb.add("down")(kb.add("c-n")(lambda _: state.move(1)))
    kb.add("pageup")(lambda _: state.move(-ROWS))
    kb.add("pagedown")(lambda _: state.move(ROWS))
    if state.multi:  # Space and Tab mark (the query cannot hold a space then), as fzf --multi
        kb.add("space")(kb.add("tab")(lambda _: state.toggle(1)))
        kb.add("s-tab")(lambda _: state.toggle(-1))
    else:
        kb.add("tab")(lambda _: state.move(1))
        kb.add("s-tab")(lambda _: state.move(-1))

    @kb.add("enter")
    def _accept(event: KeyPressEvent) -> None:
        event.app.exit(result=state.chosen() if state.multi else state.choice())

    @kb.add("escape", eager=True)
    @kb.add("c-c")
    @kb.add("c-g")
    def _cancel(event: KeyPressEvent) -> None:
        event.app.exit(result=None)

    @kb.add("c-d")
    def _eof(event: KeyPressEvent) -> None:
        if not buf.text:
            event.app.exit(result=None)

    return kb
