"""Helpers of notify's browser tests over core's kit (``lcore_taskflow.core.testing.browser``:
the server process, Chromium, the watched page, axe-core 4.14, the HTTP API as another user),
plus notify's own screen checks: sideways scroll and squeezed text, 44 px targets on a phone.
"""

from __future__ import annotations

from pathlib import Path

from lcore_taskflow.core.testing import browser as kit
from lcore_taskflow.core.testing.browser import (  # noqa: F401 (the tests import them from here)
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    Api,
    Session,
    axe_violations,
    chromium,
    horizontal_overflow,
    http_json,
)

SIZES = ["desktop", "phone"]
PASSWORD = "Correct-Horse-42"


def require_browser() -> None:
    kit.require_browser()  # Chromium, playwright, auth and ui


class ServerProcess(kit.BrowserServer):
    """The kit's server with auth, notify and ui."""

    def __init__(self, home: Path, **env: str):
        super().__init__(home, plugins="auth,notify,ui", **env)


# Text squeezed into a sliver (a letter or two per line): narrow and tall for its text.
SQUEEZED_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('#shell *')) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3)
      .map((n) => n.textContent).join('').trim();
    if (own.length < 4 || !el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    const line = parseFloat(getComputedStyle(el).lineHeight) || 20;
    if (r.width < 40 && r.height > 2.5 * line) {
      out.push(`${el.tagName}.${el.className}: ${own.slice(0, 30)} (${Math.round(r.width)} px)`);
    }
  }
  return out;
}"""

# Controls under 44 px on a phone (inline links in running text are exempt, as in WCAG 2.5.8).
SMALL_TARGETS_JS = """() => [...document.querySelectorAll(
    '#shell button, #shell .btn, #shell select, #shell label.choice,'
    + ' #shell input:not([type=radio]):not([type=checkbox])')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([el, r]) => {
    const name = (el.getAttribute('aria-label') || el.textContent || el.name || '').trim();
    return `${el.tagName} ${name.slice(0, 30)}: ${Math.round(r.width)}x${Math.round(r.height)}`;
  })"""

class Checks:
    """Screenshot, sideways scroll, squeezed text, 44 px targets (phone), axe: screen by screen."""

    def __init__(self, page, artifacts: Path, size: str):
        self.page, self.artifacts, self.size = page, artifacts, size
        self.problems: list[str] = []

    def __call__(self, name: str) -> None:
        page = self.page
        page.screenshot(path=str(self.artifacts / f"notify-{name}-{self.size}.png"), full_page=True)
        overflow = horizontal_overflow(page)
        if overflow > 0:
            self.problems.append(f"{name}: the page scrolls {overflow} px sideways")
        self.problems.extend(f"{name}: squeezed text {t}" for t in page.evaluate(SQUEEZED_JS))
        if self.size == "phone":
            self.problems.extend(f"{name}: small target {t}"
                                 for t in page.evaluate(SMALL_TARGETS_JS))
        self.problems.extend(f"{name}: {v}" for v in axe_violations(page))

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)
