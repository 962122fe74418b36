"""The ui plugin of TaskFlow (registered under the lcore_taskflow.plugins entry point)."""

from __future__ import annotations

from pathlib import Path

from lcore_taskflow.core import N_, hookimpl, request_translator

from . import __version__
from ._pages import Assets, build_ui_app, render

HTML_ERRORS = {
    404: N_("The page you asked for does not exist."),
    500: N_("Something went wrong. Please try again later."),
}
STATUS_TEXTS = {404: N_("Not Found"), 500: N_("Internal Server Error")}


def wants_json(request) -> bool:
    """True when the client's Accept header asks for JSON (the seed's negotiation)."""
    accept = (request.get_header("Accept") or "").lower()
    return "application/json" in accept or "+json" in accept


class UIPlugin:
    """Welcome page, single-page Kanban frontend and HTML error pages."""

    name = "ui"
    version = __version__
    core_api = "1.0"

    def __init__(self):
        self._assets: dict[int, Assets] = {}  # per kernel: a plugin object may serve two

    @hookimpl
    def taskflow_mounts(self, kernel):
        assets = self._assets[id(kernel)] = Assets(kernel)
        return [("/", build_ui_app(kernel, assets))]

    @hookimpl
    def taskflow_startup(self, kernel):
        """Hash every plugin's UI module now, once: its URLs stay for the process's life."""
        assets = self._assets.get(id(kernel))
        for module in kernel.ui_modules if assets else ():
            assets.plugin(module)

    @hookimpl
    def taskflow_render_error(self, status, message, request, kernel):
        """An HTML page for 404 and 500, unless the client asks for JSON."""
        if status not in HTML_ERRORS or wants_json(request):
            return None
        # A 500's message never leaves the server; a 404 names what is missing.
        # The page is in the caller's language (``message`` is translated already).
        t = request_translator(kernel)
        hint = t.gettext(HTML_ERRORS[status])
        return render("error", kernel, status_code=status,
                      status_text=t.gettext(STATUS_TEXTS[status]),
                      message=message if status == 404 else hint,
                      hint=hint, path=request.path, _=t.gettext, lang=t.language)

    @hookimpl
    def taskflow_translations(self):
        """The Python side's catalog (error pages, static-file errors); the frontend's own
        texts are JSON catalogs under static/i18n/."""
        return ("ui", Path(__file__).resolve().parent / "locale")
