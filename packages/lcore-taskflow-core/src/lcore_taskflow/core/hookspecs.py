"""Every hook of the TaskFlow plugin suite, in one place.

A plugin is any object (usually a module or a small class instance) whose
methods are marked with :data:`lcore_taskflow.core.hookimpl` and named after
the specifications below.  The kernel (``lcore_taskflow.core``) registers
itself as the plugin ``core`` and implements these hooks exactly like the
feature packages do.

All hooks share the prefix ``taskflow_``.  Each receives only the arguments it
names; pluggy lets an implementation accept any subset of them.  ``kernel`` is
always the :class:`lcore_taskflow.core._kernel.TaskFlow` instance that owns the
plugin manager; ``kernel.app`` is the Lcore application it is installed in and
``kernel.config`` the validated configuration.

Hooks are called in three phases:

* **assembly** (once per plugin, when it is registered with a kernel):
  ``taskflow_config_schema``, ``taskflow_migrations``, ``taskflow_mounts``,
  ``taskflow_middleware``, ``taskflow_route_plugins``,
  ``taskflow_dependencies``, then ``taskflow_startup``;
* **requests**: ``taskflow_identify``, ``taskflow_authorize``,
  ``taskflow_render_error``, ``taskflow_event``;
* **maintenance**: ``taskflow_seed``, ``taskflow_cli_commands``,
  ``taskflow_shutdown``.
"""

from __future__ import annotations

import pluggy

PROJECT = "lcore_taskflow"

hookspec = pluggy.HookspecMarker(PROJECT)


# --------------------------------------------------------------- assembly


@hookspec
def taskflow_config_schema():
    """Contribute configuration fields.

    Called once when the plugin is registered, before anything else.
    Return a :func:`dataclasses.dataclass` *class*; each field is one flat
    configuration key (``smtp_host`` is set by ``APP_SMTP_HOST``) whose type
    (``str``, ``int``, ``float``, ``bool`` or ``list[str]``) and default the
    kernel uses to coerce and validate the merged configuration.  Two plugins
    declaring the same key is an error at start-up.  A ``validate(self)``
    method on the dataclass may return a list of error messages.
    """


@hookspec
def taskflow_migrations():
    """Contribute versioned database migrations.

    Return ``(namespace, directory)``: ``directory`` holds files named
    ``NNNN_description.sql``.  The kernel applies the pending ones of each
    namespace in version order, each in its own transaction, and records them
    in the ``taskflow_migrations`` table.
    """


@hookspec
def taskflow_mounts(kernel):
    """Contribute HTTP routes.

    Return a list of ``(prefix, lcore_app)`` pairs.  ``prefix`` is a path
    ending in ``/`` (``"/api/notifications/"``); ``"/"`` merges the sub-app's
    routes at the root.  The kernel mounts them and makes the host's route
    plugins apply to them.
    """


@hookspec
def taskflow_middleware(kernel):
    """Contribute Lcore middleware.

    Return a list of :class:`lcore.Middleware` instances.  Each keeps its own
    ``order`` attribute (lower runs earlier); the kernel adds them with
    ``app.use`` and ``/debug/middleware`` lists the result.
    """


@hookspec
def taskflow_route_plugins(kernel):
    """Contribute Lcore route plugins (objects with ``apply(callback, route)``).

    Return a list; the kernel installs each in the host app so that it wraps
    every route, including those of mounted sub-apps.
    """


@hookspec
def taskflow_dependencies(kernel):
    """Contribute dependency-injection entries.

    Return a list of ``(name, factory, lifetime)`` with ``lifetime`` one of
    ``"singleton"``, ``"scoped"``, ``"transient"``; handlers read them as
    ``ctx.<name>``.
    """


@hookspec
def taskflow_startup(kernel):
    """The plugin has been assembled into ``kernel``; start background work."""


@hookspec
def taskflow_shutdown(kernel):
    """The host is stopping (``kernel.close()``): drain and stop background work."""


# --------------------------------------------------------------- requests


@hookspec(firstresult=True)
def taskflow_identify(request, kernel):
    """Identify the user making ``request``.

    Called at most once per request, the first time a handler asks for the
    current user.  Return a user dict with at least ``id``, ``username`` and
    ``role`` (``"admin"`` or ``"member"``), or ``None`` when this plugin cannot
    identify the request.  The first non-``None`` answer wins.  When no plugin
    implements this hook, protected routes answer 401 saying that no
    authentication plugin is installed.
    """


@hookspec(firstresult=True)
def taskflow_authorize(user, action, resource, kernel):
    """Decide whether ``user`` may perform ``action``.

    ``action`` is a string such as ``"projects:create"`` or ``"users:update"``;
    ``resource`` is the object acted on (a user id for ``users:update``,
    otherwise usually ``None``).  Return ``True`` to allow, ``False`` to deny,
    ``None`` for no opinion.  The first non-``None`` answer wins; when nobody
    answers, the request is denied with 403.
    """


@hookspec(firstresult=True)
def taskflow_render_error(status, message, request, kernel):
    """Render an error response body.

    Called for every 4xx/5xx answer.  Return a string (HTML, with the content
    type set on ``lcore.response``) to replace the default JSON body
    ``{"error": message, "status": status}``, or ``None`` to keep it.
    """


@hookspec
def taskflow_event(event, kernel):
    """React to a domain event, after its data was committed.

    ``event`` is a :class:`lcore_taskflow.core.events.Event` with ``type`` one
    of ``user.registered``, ``user.created``, ``task.created``,
    ``task.updated``, ``task.assigned``, ``comment.added`` (and any a plugin
    defines), ``actor`` (the user dict or ``None``), ``data`` (the affected
    row and, for updates, ``changes``), ``project_id`` and ``task_id``.
    Implementations must be quick; slow work belongs in a background worker.
    An exception here is logged and never fails the request.
    """


# ------------------------------------------------------------ maintenance


@hookspec
def taskflow_seed(db, kernel, options):
    """Insert demo data into a database that has just been created empty.

    ``db`` is a :class:`lcore_taskflow.core._db.Database` inside an open
    transaction.  ``options`` is a dict of bulk-seed sizes from
    ``taskflow db seed`` (``projects``, ``tasks``, ...) or empty for the
    default demo data, plus ``progress``, a callable ``progress(done, total)``.
    """


@hookspec
def taskflow_cli_commands(subparsers):
    """Add sub-commands to the ``taskflow`` command line.

    ``subparsers`` is the :mod:`argparse` sub-parser action.  Give each parser
    ``set_defaults(handler=func)``; ``func(kernel, args)`` is called with a
    fully assembled kernel and returns an exit code.
    """
