"""Modal screens: help (from the live bindings), the view picker, a one-line prompt, welcome.

Feed text (feed titles, errors) reaches these widgets only as ``rich.text.Text``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from newsreader.models import Feed
from newsreader.text.phrases import feed_problem


class HelpScreen(ModalScreen[None]):
    """Every key that works, read from the bindings as they are now (rebound keys included)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help_close")
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        text = Text()
        width = max((len(k) for k, _, _ in self.rows), default=8)
        label_width = max((len(d) for _, d, _ in self.rows), default=8)
        for keys, description, binding_id in self.rows:
            text.append(keys.ljust(width + 2), style="bold")
            text.append(description.ljust(label_width + 2))
            text.append(binding_id + "\n", style="dim")
        with Vertical(id="help-box", classes="dialog"):
            yield Static(Text("Keys", style="bold"), classes="dialog-title")
            with VerticalScroll():
                yield Static(text, markup=False)
            yield Static(
                "Esc closes. Rebind a key in config.toml by its id (the last column):"
                ' [keys] next_unread = "N"',
                markup=False,
            )


class PickerScreen(ModalScreen[str | None]):
    """Choose a view: all, unread, bookmarks, a tag or a feed (with its unread count and its last
    error: this is also the feed-status view)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Close", id="picker_close")
    ]

    def __init__(
        self, feeds: list[Feed], tags: list[str], saved: list[tuple[str, int, int]] | None = None
    ) -> None:
        super().__init__()
        self.feeds = feeds
        self.tags = tags
        self.saved = saved or []  # (name, unread, total) of each saved search

    def compose(self) -> ComposeResult:
        options: list[Option] = [
            Option(Text("All articles"), id="all"),
            Option(Text("Unread articles"), id="unread"),
            Option(Text("Bookmarks"), id="bookmarks"),
        ]
        for number, (name, unread, total) in enumerate(self.saved):
            line = Text(f"Saved: {name}")
            line.append(f"  {unread}/{total}", style="dim")
            options.append(Option(line, id=f"saved:{number}"))
        options += [Option(Text(f"Tag: {tag}"), id=f"tag:{tag}") for tag in self.tags]
        for feed in self.feeds:
            line = Text()
            line.append("! " if feed.last_error else "  ", style="bold")
            line.append(feed.display_title)
            line.append(f"  {feed.unread_count}/{feed.article_count}", style="dim")
            if feed.last_error:
                line.append(f"  {feed_problem(feed)}", style="italic")
            options.append(Option(line, id=f"feed:{feed.id}"))
        with Vertical(id="picker-box", classes="dialog"):
            yield Static(Text("Go to", style="bold"), classes="dialog-title")
            yield OptionList(*options, id="picker")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """One line of input; ``check`` returns an error message or "" when the value is fine."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="prompt_cancel")
    ]

    def __init__(
        self,
        title: str,
        placeholder: str = "",
        value: str = "",
        check: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.placeholder = placeholder
        self.value = value
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box", classes="dialog"):
            yield Static(Text(self.prompt_title, style="bold"), classes="dialog-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        problem = self.check(value) if self.check else ""
        if problem:
            self.query_one("#prompt-error", Static).update(Text(problem))
            return
        self.dismiss(value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes-or-no question: y or Enter says yes, n or Esc no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(Text(self.question, style="bold"), classes="dialog-title")
            yield Static(Text("y: yes   n: no"), classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class WelcomeScreen(Screen[str | None]):
    """First run, nothing stored yet: how to get articles in."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "choose('add')", "Add feed URL", id="welcome_add"),
        Binding("i", "choose('import')", "Import OPML / urls", id="welcome_import"),
        Binding("q", "app.quit", "Quit", id="welcome_quit"),
        Binding("escape", "choose('')", "Skip", id="welcome_skip"),
    ]

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("Welcome to newsreader\n\n", style="bold")
        text.append("Nothing is stored yet. To start:\n\n")
        text.append("  a  ", style="bold")
        text.append("add a feed by its URL (RSS, Atom, JSON Feed) or a folder of article files\n")
        text.append("  i  ", style="bold")
        text.append("import subscriptions from an OPML file or a newsboat urls file\n")
        text.append("  q  ", style="bold")
        text.append("quit\n")
        text.append("  Esc", style="bold")
        text.append(" skip: the empty list, and your bookmarks (B)\n\n")
        text.append("From a shell: newsreader add URL, then newsreader refresh.\n")
        text.append("To look around first: newsreader --demo (offline, nothing to set up).\n")
        with Vertical(id="welcome-box", classes="dialog"):
            yield Static(text, markup=False)
        yield Footer()

    def action_choose(self, what: str) -> None:
        self.dismiss(what)
