"""Debian's Chromium driven by Playwright, and the console allow-lists for each UI.

Example::

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        log = PageLog.attach(page)
        ...
        assert_clean_console(log, "lab")
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field

CHROMIUM_NAMES = ("chromium", "chromium-browser")
# Without the background-networking flags Chromium keeps trying to reach the internet.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Notebook 7.6 prints this on every page, even with no extension installed (see TESTING.md).
NOTEBOOK7_CONSOLE_NOISE = [
    ("warning", re.compile(r"^Menu entry for command '[\w:.-]+' is duplicated\.$")),
    ("warning", re.compile(r"^\[yjs#509\] Not same Y\.Doc$")),
]
NOTEBOOK7_PAGE_ERROR_NOISE = [
    re.compile(r"^TypeError: Cannot read properties of undefined \(reading 'schema'\)$"),
]


class ChromiumMissing(RuntimeError):
    pass


def chromium_path() -> str:
    """The system Chromium's path; raises ChromiumMissing with the fix when there is none."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumMissing(
        "Chromium was not found on PATH (looked for: " + ", ".join(CHROMIUM_NAMES) + "). The "
        "end-to-end tests drive Debian's chromium, never a downloaded browser: run the README "
        "test command, `bash scripts/test.sh` (as root it installs chromium), or "
        "`apt-get install -y chromium`. Do not run `playwright install`."
    )


def launch_chromium(playwright, **kwargs):
    """Launch headless system Chromium with the flags that keep it offline and quiet."""
    return playwright.chromium.launch(
        executable_path=chromium_path(), args=list(CHROMIUM_ARGS), headless=True, **kwargs
    )


@dataclass
class ConsoleEntry:
    type: str  # "log", "debug", "info", "error", "warning", ... or "pageerror"
    text: str
    location: str = ""

    def __str__(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"[{self.type}] {self.text}{where}"


@dataclass
class PageLog:
    """Everything a page printed to its console, and every uncaught page error."""

    messages: list[ConsoleEntry] = field(default_factory=list)
    page_errors: list[ConsoleEntry] = field(default_factory=list)

    @classmethod
    def attach(cls, page) -> "PageLog":
        log = cls()
        page.on("console", log._on_console)
        page.on("pageerror", log._on_page_error)
        return log

    def _on_console(self, message) -> None:
        location = message.location or {}
        where = location.get("url", "")
        if where:
            where = f"{where}:{location.get('lineNumber', '?')}"
        self.messages.append(ConsoleEntry(message.type, message.text, where))

    def _on_page_error(self, error) -> None:
        text = f"{error.name}: {error.message}" if getattr(error, "name", "") else str(error)
        self.page_errors.append(ConsoleEntry("pageerror", text, (error.stack or "")[:2000]))

    def clear(self) -> None:
        self.messages.clear()
        self.page_errors.clear()

    def __str__(self) -> str:
        return "\n".join(str(entry) for entry in self.messages + self.page_errors)


def unexpected_console(page_log: PageLog, ui: str) -> list[ConsoleEntry]:
    """The entries that the allow-list for ``ui`` ("lab" or "notebook7") does not cover.

    Both UIs may print ``debug`` lines. Notebook 7 may also print exactly its known noise.
    """
    if ui not in ("lab", "notebook7"):
        raise ValueError(f"ui must be 'lab' or 'notebook7', not {ui!r}")
    unexpected = []
    for entry in page_log.messages:
        if entry.type == "debug":
            continue
        if ui == "notebook7" and any(
            entry.type == kind and pattern.match(entry.text)
            for kind, pattern in NOTEBOOK7_CONSOLE_NOISE
        ):
            continue
        unexpected.append(entry)
    for entry in page_log.page_errors:
        if ui == "notebook7" and any(p.match(entry.text) for p in NOTEBOOK7_PAGE_ERROR_NOISE):
            continue
        unexpected.append(entry)
    return unexpected


def assert_clean_console(page_log: PageLog, ui: str) -> None:
    """Fail, listing the offending lines, when the page printed anything not allow-listed."""
    unexpected = unexpected_console(page_log, ui)
    assert not unexpected, (
        f"unexpected browser console output in {ui}:\n"
        + "\n".join(f"  {entry}" for entry in unexpected)
    )
