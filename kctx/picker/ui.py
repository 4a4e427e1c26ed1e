"""The picker on the terminal (prompt_toolkit, imported only when it opens): type to filter, Up/Down or
Ctrl-P/Ctrl-N (and Tab) to move, Enter to pick, Esc, Ctrl-C or Ctrl-G to cancel. It is drawn below the
cursor and erased when done, like fzf with --height."""

from __future__ import annotations

from kctx.picker.fuzzy import Match, rank

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from typing import TextIO

    from prompt_toolkit.formatted_text import StyleAndTextTuples
    from prompt_toolkit.key_binding import KeyPressEvent
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
}


class Entry:
    """One choice: its name, whether it is the current one (marked, and where the cursor starts) and whether
    it is protected (marked)."""

    __slots__ = ("name", "current", "protected")

    def __init__(self, name: str, current: bool = False, protected: bool = False) -> None:
        self.name, self.current, self.protected = name, current, protected

    def tags(self) -> list[tuple[str, str]]:
        current = [("class:picker.current", "current")] if self.current else []
        return current + ([("class:picker.protected", "protected")] if self.protected else [])


class Picker:
    """The state of the list: the query's matches and the selected row. No terminal: unit-testable."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.names = [e.name for e in entries]
        self.matches = rank("", self.names)
        self.selected = next((i for i, e in enumerate(entries) if e.current), 0)

    def filter(self, query: str) -> None:
        self.matches = rank(query, self.names)
        self.selected = 0

    def move(self, step: int) -> None:
        self.selected = min(max(0, self.selected + step), max(0, len(self.matches) - 1))

    def choice(self) -> str | None:
        return self.matches[self.selected].text if self.matches else None

    def rows(self, height: int = ROWS) -> StyleAndTextTuples:
        """The visible rows around the selection, then "shown/total"."""
        if not self.matches:
            return [("class:picker.none", "  (no match)\n"), ("class:picker.count", f"  0/{len(self.names)}")]
        top = min(max(0, self.selected - height // 2), max(0, len(self.matches) - height))
        shown = self.matches[top:top + height]
        width = min(NAME_WIDTH, max(len(m.text) for m in shown))
        out: StyleAndTextTuples = []
        for i, m in enumerate(shown, top):
            out += self._row(m, i == self.selected, width)
        out.append(("class:picker.count", f"  {len(self.matches)}/{len(self.names)}"))
        return out

    def _row(self, m: Match, selected: bool, width: int) -> StyleAndTextTuples:
        entry = self.entries[m.index]
        base = "class:picker.selected" if selected else ""
        name = f"{base} class:picker.current" if entry.current else base
        hits = set(m.positions)
        row: StyleAndTextTuples = [(base, "> " if selected else "  ")]
        row += [(f"{name} class:picker.match" if i in hits else name, ch) for i, ch in enumerate(m.text)]
        tags = entry.tags()
        if tags:
            row.append((base, " " * max(2, width - len(m.text) + 2)))
            for n, (style, text) in enumerate(tags):
                row += [(base, ", ")] if n else []
                row.append((f"{base} {style}", text))
        row.append(("", "\n"))
        return row


def pick(title: str, entries: list[Entry], style: BaseStyle | None = None, stdin: TextIO | None = None,
         stdout: TextIO | None = None) -> str | None:
    """Let the user choose one entry's name on the terminal; None when cancelled. ``stdin``/``stdout``: the
    terminal to read keys from and draw on (default: the process's own)."""
    from prompt_toolkit.application import Application
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.input import create_input
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import HSplit, Layout, Window
    from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
    from prompt_toolkit.layout.dimension import Dimension
    from prompt_toolkit.output import create_output
    from prompt_toolkit.styles import Style

    state = Picker(entries)
    buf = Buffer(multiline=False, on_text_changed=lambda b: state.filter(b.text))
    kb = KeyBindings()

    @kb.add("up")
    @kb.add("c-p")
    @kb.add("s-tab")
    def _up(event: KeyPressEvent) -> None:
        state.move(-1)

    @kb.add("down")
    @kb.add("c-n")
    @kb.add("tab")
    def _down(event: KeyPressEvent) -> None:
        state.move(1)

    @kb.add("pageup")
    def _page_up(event: KeyPressEvent) -> None:
        state.move(-ROWS)

    @kb.add("pagedown")
    def _page_down(event: KeyPressEvent) -> None:
        state.move(ROWS)

    @kb.add("enter")
    def _accept(event: KeyPressEvent) -> None:
        event.app.exit(result=state.choice())

    @kb.add("escape", eager=True)
    @kb.add("c-c")
    @kb.add("c-g")
    def _cancel(event: KeyPressEvent) -> None:
        event.app.exit(result=None)

    @kb.add("c-d")
    def _eof(event: KeyPressEvent) -> None:
        if not buf.text:
            event.app.exit(result=None)

    prefix: StyleAndTextTuples = [("class:picker.prompt", f"{title}> ")]
    layout = Layout(HSplit([
        Window(BufferControl(buf), height=1, get_line_prefix=lambda *_: prefix),
        Window(FormattedTextControl(lambda: state.rows()), height=Dimension(min=1, max=ROWS + 1)),
    ]))
    app: Application[str | None] = Application(
        layout=layout, key_bindings=kb, full_screen=False, erase_when_done=True,
        style=style or Style.from_dict(STYLE_RULES),
        input=create_input(stdin) if stdin is not None else None,
        output=create_output(stdout) if stdout is not None else None)
    return app.run()
