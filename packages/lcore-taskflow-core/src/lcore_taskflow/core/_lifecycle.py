"""The seed's five Lcore lifecycle hooks.

They are app-wide, so the kernel installs them only in an app that belongs
to TaskFlow (``create_app``), never in a host's app.
"""

from __future__ import annotations

import logging
import time

from lcore import ctx, request, response

log = logging.getLogger("lcore_taskflow.lifecycle")


def install_lifecycle_hooks(app) -> None:
    @app.hook("on_request_start")
    def on_request_start():
        ctx.state["start_time"] = time.perf_counter()

    @app.hook("before_request")
    def before_request():
        log.debug("-> %s %s", request.method, request.path)

    @app.hook("after_request")
    def after_request():
        response.set_header("X-Powered-By", "Lcore")

    @app.hook("on_response_send")
    def on_response_send():
        start = ctx.state.get("start_time")
        if start is not None and log.isEnabledFor(logging.DEBUG):
            log.debug("<- %s %s [%s] %.1fms", request.method, request.path,
                      response.status_code, (time.perf_counter() - start) * 1000)

    @app.hook("on_module_mount")
    def on_module_mount(prefix, child):
        log.info("mounted module at %s", prefix)
