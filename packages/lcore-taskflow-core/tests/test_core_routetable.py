"""``add_routes``: a route table's handlers get what is bound, then the URL's values."""

import asyncio
import inspect

from lcore import Lcore, TestClient
from lcore_taskflow.core import add_routes


def greet(prefix, name):
    """Say hello."""
    return {"said": f"{prefix} {name}"}


def plain():
    return {"bound": False}


def test_bound_values_come_before_the_urls_and_the_docstring_is_kept():
    app = Lcore()
    add_routes(app, (("GET", "/hi/<name>", greet, {"name": "greet"}),), "hello")
    client = TestClient(app)
    assert client.get("/hi/ada").json == {"said": "hello ada"}
    route = next(r for r in app.routes if r.name == "greet")
    assert route.callback.__doc__ == "Say hello."


def test_without_bound_values_the_handler_is_registered_as_is():
    app = Lcore()
    add_routes(app, (("GET", "/plain", plain, {}), ("POST", "/plain", plain, {})))
    client = TestClient(app)
    assert client.get("/plain").json == {"bound": False}
    assert client.post("/plain").json == {"bound": False}
    assert [r.method for r in app.routes] == ["GET", "POST"]


def counted(kernel):
    return {"ok": True}


def test_a_limit_option_rate_limits_with_the_kernel_bound_first(kernel):
    app = Lcore()
    add_routes(app, (
        ("GET", "/a", counted, {"name": "a", "limit": ("table:a", 2, 60)}),
        ("GET", "/b", counted, {"name": "b", "limit": lambda k: ("table:b", 1, 60)}),
        ("GET", "/c", counted, {"name": "c", "limit": ("table:c", None, None)}),
    ), kernel)
    client = TestClient(app)
    assert [client.get("/a").status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/b").status_code for _ in range(2)] == [200, 429]
    routes = {r.name: r for r in app.routes}
    assert routes["a"].callback.rate_limit == ("table:a", 2, 60)  # /openapi.json's 429
    assert routes["c"].callback.rate_limit == (
        "table:c", kernel.config.rate_limit_default, kernel.config.rate_limit_window)
    assert "limit" not in routes["a"].config  # not passed on to Lcore


async def later(prefix):
    """Answer later."""
    return {"said": prefix}


def test_a_coroutine_handler_stays_a_coroutine_function():
    app = Lcore()
    add_routes(app, (("GET", "/later", later, {}),), "soon")
    callback = app.routes[0].callback
    assert inspect.iscoroutinefunction(callback) and callback.__doc__ == "Answer later."
    assert asyncio.run(callback()) == {"said": "soon"}
