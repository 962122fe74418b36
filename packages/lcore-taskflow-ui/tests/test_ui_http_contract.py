"""With the ui loaded, ``/api/`` still answers JSON whatever the client accepts (SPEC §13).

A real ``taskflow serve`` (core + ui): the ui renders HTML error pages for
browsers everywhere else, but an answer under ``/api/`` that the OpenAPI
document describes as JSON must be JSON, for a browser's ``Accept`` too.
Static files carry quoted ETags and answer 304 to a matching, weak or
listed ``If-None-Match``.
"""

from __future__ import annotations

import pytest
from lcore_taskflow.core.testing.serve import ServerProcess

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("ui-contract"),
                       {"APP_PLUGINS_ENABLED": "ui"}) as proc:
        yield proc


@pytest.mark.parametrize("path", ["/api/no/such/route", "/api/projects/1/nothing",
                                  "/api/static/app.js"])
def test_api_misses_are_json_for_a_browser_too(server, path):
    resp = server.request("GET", path, headers={"Accept": BROWSER})
    assert resp.status == 404, resp
    assert resp.headers["content-type"] == "application/json"
    assert resp.json["status"] == 404 and resp.json["error"]


def test_pages_outside_api_are_still_html_for_a_browser(server):
    resp = server.request("GET", "/no/such/page", headers={"Accept": BROWSER})
    assert resp.status == 404
    assert resp.headers["content-type"].startswith("text/html")
    assert b"<html" in resp.body


def test_static_files_have_quoted_etags_and_answer_304(server):
    first = server.request("GET", "/static/js/app.js", headers={"Accept": "*/*"})
    assert first.status == 200, first
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"'), tag
    for header in (tag, f"W/{tag}", f'"other", {tag}'):
        again = server.request("GET", "/static/js/app.js",
                               headers={"Accept": "*/*", "If-None-Match": header})
        assert again.status == 304, (header, again)
        assert again.body == b""
    assert server.request("GET", "/static/js/app.js", headers={
        "Accept": "*/*", "If-None-Match": '"stale"'}).status == 200
