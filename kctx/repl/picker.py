"""A small inline fuzzy picker (`ctx` and `ns` without arguments): type to filter, arrows to move,
Enter to choose, Esc or Ctrl-C to cancel. Drawn below the prompt and erased when done."""

from __future__ import annotations

from kctx.repl.completer import fuzzy_names

ROWS = 10


def pick(title: str, items: list[str], current: str = "", style=None) -> str | None:
    from prompt_toolkit.application import Application
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import HSplit, Layout, Window
    from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
    from prompt_toolkit.layout.dimension import Dimension

    buf = Buffer(multiline=False)
    start = items.index(current) if current in items else 0
    state = {"sel": start, "matches": list(items)}

    def refilter(_=None) -> None:
        state["matches"] = fuzzy_names(items, buf.text)
        state["sel"] = 0

    buf.on_text_changed += refilter

    def render():
        m, sel = state["matches"], state["sel"]
        if not m:
            return [("class:picker.none", "  (no match)")]
        top = min(max(0, sel - ROWS // 2), max(0, len(m) - ROWS))
        out = []
        for i in range(top, min(len(m), top + ROWS)):
            mark = "*" if m[i] == current else " "
            style_ = "class:picker.selected" if i == sel else ""
            out.append((style_, f"{'>' if i == sel else ' '}{mark}{m[i]}"))
            out.append(("", "\n"))
        out.append(("class:picker.count", f"  {len(m)}/{len(items)}"))
        return out

    kb = KeyBindings()

    @kb.add("up")
    @kb.add("c-p")
    def _up(event) -> None:
        state["sel"] = max(0, state["sel"] - 1)

    @kb.add("down")
    @kb.add("c-n")
    @kb.add("tab")
    def _down(event) -> None:
        state["sel"] = min(max(0, len(state["matches"]) - 1), state["sel"] + 1)

    @kb.add("enter")
    def _accept(event) -> None:
        m = state["matches"]
        event.app.exit(result=m[state["sel"]] if m else None)

    @kb.add("escape", eager=True)
    @kb.add("c-c")
    @kb.add("c-g")
    def _cancel(event) -> None:
        event.app.exit(result=None)

    @kb.add("c-d")
    def _eof(event) -> None:
        if not buf.text:
            event.app.exit(result=None)

    prefix = [("class:picker.prompt", f"{title}> ")]
    layout = Layout(HSplit([
        Window(BufferControl(buf), height=1, get_line_prefix=lambda *_: prefix),
        Window(FormattedTextControl(render), height=Dimension(min=1, max=ROWS + 1)),
    ]))
    app = Application(layout=layout, key_bindings=kb, full_screen=False, erase_when_done=True, style=style)
    return app.run()
