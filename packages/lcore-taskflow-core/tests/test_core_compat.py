"""Every Lcore gap that ``_compat.py`` works around, reproduced on plain Lcore.

Each test shows the gap on an app without TaskFlow and checks that the shim
is switched on exactly while the gap exists (``still_needed``).  When an
Lcore release closes a gap, its test fails: delete the shim and the test.
When a newer release turns the shims off (``_compat.ACTIVE``) but a gap is
still there, the test fails too: raise ``NEWEST_CHECKED``.
"""

from __future__ import annotations

import gzip
import json
import logging
import subprocess
import sys
import textwrap
import warnings

import lcore
import pytest
from lcore import (
    CompressionMiddleware,
    CORSMiddleware,
    DependencyContainer,
    HTTPError,
    Lcore,
    Middleware,
    RequestLoggerMiddleware,
    Router,
    TestClient,
    ctx,
    rate_limit,
    request,
)
from lcore_taskflow.core import _compat


def still_needed(gap: bool, what: str) -> None:
    assert gap, f"Lcore {lcore.__version__} fixed: {what}. Remove the shim in _compat.py."
    assert _compat.ACTIVE, (f"Lcore {lcore.__version__} still has: {what}, but the shims are "
                            "off: raise _compat.NEWEST_CHECKED")


def test_undecorated_callback_lookup_loops_on_nested_handlers():
    code = textwrap.dedent("""
        from lcore import Lcore
        app = Lcore()
        def build(kernel):
            @app.get("/x")
            def handler():
                return {"kernel": kernel}
        build(object())
        app.routes[0].get_undecorated_callback()
    """)
    try:
        subprocess.run([sys.executable, "-W", "ignore", "-c", code], timeout=3,
                       capture_output=True)
        looped = False
    except subprocess.TimeoutExpired:
        looped = True
    still_needed(looped, "get_undecorated_callback() never ends on a nested handler")


def test_mounted_routes_ignore_the_hosts_route_plugins():
    seen = []

    class Marker:
        name, api = "marker", 2

        def apply(self, callback, route):
            def wrapped(*a, **kw):
                seen.append(route.rule)
                return callback(*a, **kw)
            return wrapped

    host, sub = Lcore(), Lcore()

    @sub.get("/hi")
    def hi():
        return {"hi": 1}

    host.install(Marker())
    host.mount("/sub/", sub)
    assert TestClient(host).get("/sub/hi").status_code == 200
    still_needed(seen == [], "a mounted route keeps its sub-app's plugin list")


def test_async_handlers_warn_at_every_route_build():
    app = Lcore()

    @app.get("/a")
    async def handler():
        return {"a": 1}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app.routes[0].prepare()
    still_needed(any("async def" in str(w.message) for w in caught),
                 "an async def handler warns at every route build")


def test_router_cannot_remove_a_route():
    still_needed(not any(hasattr(Router, name) for name in ("remove", "delete", "unregister")),
                 "Router has no way to remove a route")


def test_misses_skip_the_middleware():
    ran = []

    class Note(Middleware):
        name = "note"

        def __call__(self, ctx_, next_handler):
            ran.append(ctx_.request.path)
            return next_handler(ctx_)

    app = Lcore()
    app.use(Note())

    @app.get("/here")
    def here():
        return {"ok": True}

    client = TestClient(app)
    assert client.get("/here").status_code == 200 and ran == ["/here"]
    assert client.get("/nowhere").status_code == 404
    still_needed(ran == ["/here"], "404/405 answers skip the middleware")


def test_compression_turns_error_answers_into_200_html():
    app = Lcore()
    app.use(CompressionMiddleware(min_size=1))

    @app.get("/gone")
    def gone():
        return HTTPError(404, "not here " * 50)

    res = TestClient(app).get("/gone", headers={"Accept-Encoding": "gzip"})
    still_needed(res.status_code == 200, "gzip drops the status of an HTTPResponse result")


def test_shim_keeps_the_status_of_error_answers():
    app = Lcore()
    app.use(_compat.SafeCompression(min_size=1))

    @app.get("/gone")
    def gone():
        return HTTPError(404, "not here " * 50)

    @app.get("/big")
    def big():
        return {"text": "x" * 1000}

    client = TestClient(app)
    assert client.get("/gone", headers={"Accept-Encoding": "gzip"}).status_code == 404
    res = client.get("/big", headers={"Accept-Encoding": "gzip"})
    assert res.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(res.body))["text"] == "x" * 1000


def _logged_status(middleware_class, caplog) -> int:
    app = Lcore()
    app.use(middleware_class(logger=logging.getLogger("compat.access")))

    @app.get("/missing")
    def missing():
        return HTTPError(404, "nope")

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="compat.access"):
        assert TestClient(app).get("/missing").status_code == 404
    return json.loads(caplog.records[-1].getMessage())["status"]


def test_request_log_records_200_for_error_answers(caplog):
    still_needed(_logged_status(RequestLoggerMiddleware, caplog) == 200,
                 "RequestLoggerMiddleware logs the status before an error answer sets it")
    assert _logged_status(_compat.AccessLog, caplog) == 404


def test_cors_headers_only_through_private_methods():
    cors = CORSMiddleware(allow_origins=["https://a.example"])
    public = [n for n in dir(cors) if not n.startswith("_") and callable(getattr(cors, n))]
    private = all(hasattr(cors, n) for n in ("_origin_allowed", "_set_cors_headers"))
    still_needed(private and not public,
                 "CORSMiddleware offers no public way to compute its headers")


def test_rate_limit_warns_about_loopback_clients_without_trusted_proxies():
    app = Lcore()

    @app.get("/limited")
    @rate_limit(100, per=60, backend=None)
    def limited():
        return {"ok": True}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        TestClient(app).request("GET", "/limited", headers={"X-Forwarded-For": "1.2.3.4"})
    warned = any("loopback" in str(w.message) or "remote_addr" in str(w.message)
                 for w in caught)
    # TaskFlow's routes set the environ key, which also makes remote_addr honour
    # X-Forwarded-For from a trusted proxy (and only then).
    environ = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    _compat.trust_proxies(environ, frozenset({"10.0.0.1"}))
    assert lcore.BaseRequest(environ).remote_addr == "1.2.3.4"
    untrusted = {"REMOTE_ADDR": "10.9.9.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    _compat.trust_proxies(untrusted, frozenset({"10.0.0.1"}))
    assert lcore.BaseRequest(untrusted).remote_addr == "10.9.9.9"
    still_needed(warned, "rate_limit warns unless environ['lcore.trusted_proxies'] is set")


def test_ctx_caches_transient_dependencies():
    app = Lcore()
    counter = iter(range(1000))
    app.inject("n", lambda: next(counter), lifetime="transient")

    @app.get("/twice")
    def twice():
        return {"a": ctx.n, "b": ctx.n,
                "c": _compat.transient(app._dependencies, "n", ctx),
                "d": _compat.transient(app._dependencies, "n", ctx)}

    body = TestClient(app).get("/twice").json
    assert body["c"] != body["d"]  # the shim resolves anew each time
    still_needed(body["a"] == body["b"], "ctx.<transient> returns one value per request")


def test_dependency_container_cannot_unregister():
    still_needed(not any(hasattr(DependencyContainer, n)
                         for n in ("unregister", "remove", "discard")),
                 "DependencyContainer has no way to remove an entry")


def test_uninject_removes_an_entry():
    app = Lcore()
    app.inject("thing", lambda: 1)
    _compat.uninject(app, "thing")
    assert "thing" not in app._dependencies


@pytest.mark.parametrize("text, expected", [("0.0.5", (0, 0, 5)), ("1.2.3rc1", (1, 2, 31)),
                                            ("2", (2,))])
def test_version_parsing(text, expected):
    assert _compat._version(text) == expected


def test_request_objects_are_plain_lcore():
    # The shims rely on Lcore's global request proxy being a BaseRequest.
    assert isinstance(request, lcore.BaseRequest)
