"""The HTTP pipeline: middleware headers, error shapes, system routes."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import sys

import pytest
from core_testutil import assert_error
from lcore_taskflow.core.testing import Client, HeaderIdentity, make_app

ORIGIN = "https://app.example"
SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "SAMEORIGIN",
            "referrer-policy": "strict-origin-when-cross-origin"}


@pytest.fixture
def web(tmp_path):
    app = make_app(tmp_path, plugins=[HeaderIdentity()], hsts=True, max_upload_size=2048,
                   cors_origins=[ORIGIN, "https://other.example"])
    yield app
    app.taskflow.close()


def big_body():
    return json.dumps({"name": "x" * 4000}).encode()


ANSWERS = {
    "200": ("GET", "/api/users/", b""),
    "201": ("POST", "/api/projects/", json.dumps({"name": "P"}).encode()),
    "404": ("GET", "/no/such/path", b""),
    "404-api": ("GET", "/api/users/999", b""),
    "405": ("DELETE", "/health", b""),
    "413": ("POST", "/api/projects/", big_body()),
}


@pytest.mark.parametrize("case", sorted(ANSWERS))
def test_every_answer_carries_the_pipeline_headers(web, case):
    method, path, body = ANSWERS[case]
    headers = {"X-Request-ID": f"req-{case}", "Origin": ORIGIN,
               "Content-Type": "application/json"}
    resp = Client(web).as_user("admin").request(method, path, body=body, headers=headers)
    assert str(resp.status) == case.split("-")[0], resp
    h = resp.headers
    assert h["x-request-id"] == f"req-{case}"
    assert h["x-response-time"].endswith("ms")
    for key, value in SECURITY.items():
        assert h[key] == value
    assert h["strict-transport-security"].startswith("max-age=31536000")
    assert h["x-api-version"] == "1.0.0"
    assert h["access-control-allow-origin"] == ORIGIN
    assert "Origin" in h.get("vary", "")
    if resp.status >= 400:
        assert_error(resp, resp.status)
    else:
        assert resp.json["_api_version"] == "1.0.0"


def test_request_id_generated_when_absent(web):
    first, second = Client(web).get("/health"), Client(web).get("/health")
    assert len(first.headers["x-request-id"]) >= 16
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_no_hsts_unless_configured(client):
    assert "strict-transport-security" not in client.get("/health").headers


def test_cors_only_for_configured_origins_and_preflight(web):
    client = Client(web)
    evil = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in evil.headers
    pre = client.options("/api/projects/", headers={
        "Origin": "https://other.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type, Authorization"})
    assert pre.status in (200, 204)
    assert pre.headers["access-control-allow-origin"] == "https://other.example"
    assert "POST" in pre.headers["access-control-allow-methods"]
    assert "Authorization" in pre.headers["access-control-allow-headers"]
    assert pre.headers["access-control-allow-credentials"] == "true"
    assert "x-request-id" in pre.headers and pre.headers["x-content-type-options"] == "nosniff"


def test_cors_wildcard_by_default(client):
    resp = client.get("/health", headers={"Origin": "https://anyone.example"})
    assert resp.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in resp.headers


def test_gzip_when_asked_and_large_enough(admin):
    big = admin.get("/api/users/", headers={"Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    data = json.loads(gzip.decompress(big.body))
    assert data["total"] == 3 and len(gzip.decompress(big.body)) >= 256
    plain = admin.get("/api/users/")
    assert "content-encoding" not in plain.headers and plain.json["total"] == 3
    small = admin.get("/api/users/999", headers={"Accept-Encoding": "gzip"})
    assert len(small.body) < 256 and "content-encoding" not in small.headers
    assert small.json["status"] == 404
    # errors, redirects and downloads keep their status under gzip (Lcore's
    # middleware used to turn them into "200 text/html")
    not_found = admin.get("/x" * 200, headers={"Accept-Encoding": "gzip"})
    assert not_found.status == 404 and not_found.json["status"] == 404
    moved = admin.get("/old-api", headers={"Accept-Encoding": "gzip"})
    assert moved.status == 301


def test_error_shapes(admin, alice, client, tmp_path):
    body = assert_error(admin.post("/api/projects/", body=b"{not json",
                                   headers={"Content-Type": "application/json"}), 400)
    assert "JSON" in body["error"]
    assert_error(admin.post("/api/projects/", body=b"[1, 2]",
                            headers={"Content-Type": "application/json"}), 400)
    assert_error(admin.post("/api/projects/", body=b"name=x",
                            headers={"Content-Type": "application/x-www-form-urlencoded"}), 400)
    assert_error(client.get("/api/users/"), 401)
    assert_error(alice.post("/api/projects/", json={"name": "nope"}), 403)
    assert_error(admin.get("/api/projects/999"), 404)
    assert_error(admin.put("/health", json={}), 405)
    assert_error(admin.post("/api/users/", json={"username": "alice", "email": "a@b.example",
                                                 "password": "long-enough"}), 409)
    body = assert_error(admin.post("/api/projects/", json={"name": 5, "status": "x"}), 422,
                        fields=("name", "status"))
    assert body["error"] == "Validation failed"


@pytest.mark.parametrize("raw", [
    b'{"title": "\\ud800"}',                      # the escape
    b'{"title": "\xed\xa0\x80"}',                 # its UTF-8 bytes (json.loads lets them pass)
    b'{"title": "ok", "x": [[{"y": "a\xed\xbf\xbfb"}]]}',   # deep in the tree
], ids=["escape", "utf8-bytes", "nested"])
def test_lone_surrogates_are_a_400_and_write_nothing(admin, kernel, raw):
    with kernel.database() as db:
        before = db.count("tasks")
    body = assert_error(admin.post("/api/projects/1/tasks", body=raw,
                                   headers={"Content-Type": "application/json"}), 400)
    assert "surrogate" in body["error"]
    with kernel.database() as db:
        assert db.count("tasks") == before


def test_text_that_merely_shares_a_surrogate_lead_byte_is_accepted(admin):
    title = "\ud55c\uad6d\uc5b4 \ud14c\uc2a4\ud2b8"  # Korean: UTF-8 bytes ED 95 9C ...
    assert b"\xed" in title.encode()
    res = admin.post("/api/projects/1/tasks", body=json.dumps({"title": title},
                                                               ensure_ascii=False).encode(),
                     headers={"Content-Type": "application/json"})
    assert res.status == 201, res.text


def test_401_without_identity_plugin_says_so(tmp_path):
    app = make_app(tmp_path)
    body = assert_error(Client(app).get("/api/users/"), 401)
    assert "no identity plugin is loaded" in body["error"]
    app.taskflow.close()


def test_health(client, kernel):
    resp = client.get("/health")
    assert resp.status == 200
    body = resp.json
    assert body["status"] == "ok" and body["database"] == "ok" and body["version"]
    assert {"name": "core", "version": kernel.infos[0].version} in body["plugins"]


def test_health_503_when_database_removed(tmp_path):
    """SQLite: the file goes away.  PostgreSQL's equivalent, a server that stops,
    is test_core_services.test_private_postgres_serves_and_health_is_503_once_it_stops."""
    app = make_app(tmp_path / "data", plugins=[HeaderIdentity()])
    client = Client(app)
    assert client.get("/health").status == 200
    shutil.rmtree(tmp_path / "data")
    resp = client.get("/health")
    assert resp.status == 503, resp
    assert resp.json["status"] != "ok" and resp.json["database"] == "unreachable"
    assert "Traceback" not in resp.text
    app.taskflow.close()


def test_admin_stats(admin, alice, client):
    admin.post("/api/projects/", json={"name": "Audited"})
    resp = admin.get("/admin/stats")
    assert resp.status == 200
    body = resp.json
    assert body["counts"] == {"users": 3, "projects": 3, "tasks": 3, "comments": 0}
    assert any(k.endswith("/api/projects/") for k in body["requests"])
    entry = body["audit"][0]
    assert entry["method"] == "POST" and entry["status"] == 201 and entry["user"] == "admin"
    assert_error(alice.get("/admin/stats"), 403)
    assert_error(client.get("/admin/stats"), 401)


def test_debug_routes_only_with_debug(tmp_path, admin):
    for path in ("/debug/routes", "/debug/middleware", "/debug/config", "/debug/stats",
                 "/debug/di"):
        assert_error(admin.get(path), 404)
    app = make_app(tmp_path / "dbg", plugins=[HeaderIdentity()], debug=True)
    dbg = Client(app).as_user("admin")
    routes = dbg.get("/debug/routes").json["routes"]
    assert any(r["rule"] == "/api/users/" for r in routes)
    middleware = dbg.get("/debug/middleware").json["middleware"]
    names = [m["name"] if isinstance(m, dict) else m for m in middleware]
    text = json.dumps(names)
    order = ["body_limit", "request_id", "request_logger", "timing", "cors",
             "security_headers", "audit_log", "compression"]
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions), names
    assert dbg.get("/debug/stats").json["requests"]
    di = dbg.get("/debug/di").json
    assert di["trace_id_1"] != di["trace_id_2"]
    assert di["cache_type"] == "AppCache" and di["db_type"] == "Database"
    assert_error(Client(app).as_user("bob").get("/debug/routes"), 403)
    app.taskflow.close()


def test_old_api_redirects(client):
    resp = client.get("/old-api")
    assert resp.status == 301
    assert resp.headers["location"].endswith("/api/projects/")


def test_a_get_that_missed_by_its_trailing_slash_is_sent_to_the_route(admin, client):
    """``/api/projects`` (the seed mounts ``/api/projects/``) and ``/health/``: a 308 to the
    route, query kept; a path with no such twin and other methods keep their 404."""
    before = admin.get("/api/projects/?limit=1").json["total"]
    moved = admin.get("/api/projects?page=2&limit=5")
    assert moved.status == 308, moved.text
    assert moved.headers["location"].endswith("/api/projects/?page=2&limit=5")
    assert moved.headers["x-request-id"] and moved.headers["x-content-type-options"] == "nosniff"
    assert client.get("/health/").headers["location"].endswith("/health")
    assert admin.get("/api/projects/999/tasks/").status == 308  # reveals no project: 404 next
    assert_error(admin.get("/api/projects/999/tasks"), 404)
    assert_error(client.get("/no/such/path/"), 404)
    assert_error(admin.post("/api/projects", json={"name": "P"}), 404)  # a body is not resent
    assert_error(client.get("/health\r\nSet-Cookie: x=1"), 404)  # nothing into Location
    assert admin.get("/api/projects/?limit=1").json["total"] == before  # nothing created


def test_skip_versioning_route_option(tmp_path):
    from lcore import Lcore
    from lcore_taskflow.core import hookimpl

    class Raw:
        name = "raw"

        @hookimpl
        def taskflow_mounts(self, kernel):
            sub = Lcore()

            @sub.get("/plain", skip_versioning=True, auth=False)
            def plain():
                return {"plain": True}

            return [("/raw/", sub)]

    app = make_app(tmp_path, plugins=[Raw()])
    resp = Client(app).get("/raw/plain")
    assert resp.json["plain"] is True and "_api_version" not in resp.json
    app.taskflow.close()


def _get_from(app, path, remote, forwarded, user="admin"):
    """A request from ``remote`` carrying ``X-Forwarded-For: forwarded``."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
               "wsgi.url_scheme": "http", "REMOTE_ADDR": remote,
               "HTTP_X_FORWARDED_FOR": forwarded, "HTTP_X_TEST_USER": user,
               "HTTP_ACCEPT": "application/json"}
    status = []
    b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    return int(status[0].split()[0])


def test_trusted_proxy_gives_each_client_its_own_rate_limit(tmp_path):
    app = make_app(tmp_path, plugins=[HeaderIdentity()], rate_limit_default=2,
                   trusted_proxies=["10.0.0.1"])
    codes = [_get_from(app, "/api/users/", "10.0.0.1", "198.51.100.7") for _ in range(3)]
    assert codes == [200, 200, 429]
    assert _get_from(app, "/api/users/", "10.0.0.1", "198.51.100.8") == 200
    app.taskflow.close()


def test_untrusted_peer_cannot_spoof_forwarded_for(tmp_path):
    app = make_app(tmp_path, plugins=[HeaderIdentity()], rate_limit_default=2,
                   trusted_proxies=["10.0.0.1"])
    codes = [_get_from(app, "/api/users/", "203.0.113.9", f"198.51.100.{i}") for i in range(3)]
    assert codes == [200, 200, 429]  # one bucket: the peer's own address
    app.taskflow.close()


def test_body_limit_route_option(tmp_path):
    """``body_limit=`` raises (or lowers) the body limit of one route only; a callable is read
    per request; the 413 names ``body_limit_setting``; a nonsense value stops assembly."""
    from lcore import Lcore
    from lcore_taskflow.core import hookimpl

    limit = {"bytes": 8192}

    class Big:
        name = "big"

        @hookimpl
        def taskflow_mounts(self, kernel):
            sub = Lcore()

            @sub.post("/roomy", auth=False, body_limit=lambda: limit["bytes"],
                      body_limit_setting="APP_BIG_MAX")
            def roomy():
                return {"read": len(request.body.read())}

            @sub.post("/plain", auth=False)
            def plain():
                return {"read": len(request.body.read())}

            return [("/big/", sub)]

    from lcore import request

    app = make_app(tmp_path, plugins=[Big()], max_upload_size=2048)
    client = Client(app)
    body = b"x" * 4000
    headers = {"Content-Type": "application/octet-stream"}
    assert client.post("/big/roomy", body=body, headers=headers).json["read"] == 4000
    assert client.post("/big/plain", body=body, headers=headers).status == 413
    assert client.post("/api/projects/", body=big_body(),
                       headers={"Content-Type": "application/json"}).status == 413
    limit["bytes"] = 3000  # a changed setting applies to the next request
    refused = client.post("/big/roomy", body=body, headers=headers)
    assert refused.status == 413 and "APP_BIG_MAX (3000 bytes)" in refused.json["error"]
    app.taskflow.close()

    class Broken(Big):
        name = "broken"

        @hookimpl
        def taskflow_mounts(self, kernel):
            sub = Lcore()

            @sub.post("/bad", auth=False, body_limit="lots")
            def bad():
                return {}

            return [("/broken/", sub)]

    with pytest.raises(Exception, match="route POST /broken/bad: body_limit='lots': a positive"):
        make_app(tmp_path / "b", plugins=[Broken()])


def test_uploads_are_rate_limited_per_client(admin):
    from lcore_taskflow.core.testing import multipart

    tid = admin.post("/api/projects/1/tasks", json={"title": "Many uploads"}).json["id"]
    body, ctype = multipart("file", "n.txt", b"n\n", "text/plain")
    statuses = [admin.post(f"/api/projects/1/tasks/{tid}/attachment", body=body,
                           headers={"Content-Type": ctype}).status for _ in range(11)]
    assert statuses == [200] * 10 + [429]
