"""Every hook of the TaskFlow plugin suite, in one place.

A plugin is an object (usually a small class instance) with a ``name``, a
``version``, a ``core_api`` (the TaskFlow core API it was written for, e.g.
``"1.1"``; a plugin without one starts with a warning), and methods marked with
:data:`lcore_taskflow.core.hookimpl` and named after the specifications
below.  The kernel registers itself as the plugin ``core`` and implements
these hooks exactly like the feature packages do.  A hook implementation may
accept any subset of the arguments its specification names.

All hooks share the prefix ``taskflow_``; a plugin may add hooks of its own
(``taskflow_addhooks``), under its own prefix.

A plugin that sets the class attribute ``project_scoped = True`` is
*project-scoped* (SPEC §13): it is off in every project until an owner turns
it on there (``PUT /api/projects/<pid>/plugins/<name>``).  Where it is off
the kernel leaves it out, so the plugin needs no check of its own: its routes
answer 404 naming it for that project (the project of ``role=`` routes, and
every project a route opens through ``kernel.access()``), its
``taskflow_represent`` is not given that project's rows, its
``taskflow_event`` listener does not hear that project's events (but for
``project.deleted``, to clean up), its task fields and filters are ignored
there, and the project JSON's ``plugins`` list leaves it out (UI modules).

Hooks are called in three phases; ``docs/hooks.md`` (generated from this
module) lists every hook under its phase:

* **assembly**: once per plugin, when a kernel registers it (at start-up,
  or later through ``kernel.add``), in the order this module defines them,
  ending with ``taskflow_startup``.  If one fails, or what it returns breaks
  the contract (a route without ``auth=``, a migration namespace that is not
  the plugin's name, a route name or task field another plugin has), the
  plugin is removed again, nothing it contributed stays, and start-up stops
  with a message naming it;
* **request**: while TaskFlow serves a request (events also outside one).
  The hooks that only add to an answer are isolated per plugin, like
  ``taskflow_event`` listeners: a ``taskflow_represent`` implementation or a
  ``TaskFilter``'s SQL that fails is logged with the plugin's name and
  loses only its own contribution, and the response still answers;
* **maintenance**: outside requests: demo data for an empty database,
  sub-commands of the ``taskflow`` command line, and ``taskflow_shutdown``
  when the kernel closes.

``kernel`` is always the :class:`lcore_taskflow.core.TaskFlow` that owns the
plugin manager: ``kernel.app`` is the Lcore application, ``kernel.config``
the validated configuration, ``kernel.db`` the request's database handle.
"""

from __future__ import annotations

import pluggy

PROJECT = "lcore_taskflow"

hookspec = pluggy.HookspecMarker(PROJECT)


# --------------------------------------------------------------- assembly


@hookspec(historic=True)
def taskflow_addhooks(pluginmanager):
    """Add hook specifications of a plugin's own.

    Called once when the plugin is registered (and for plugins registered
    later, too).  Call ``pluginmanager.add_hookspecs(module_or_class)`` with
    specifications marked by :data:`lcore_taskflow.core.hookspec`; other
    plugins then implement them with ``@hookimpl`` and the defining plugin
    calls them through ``kernel.hook.<name>(...)``.  Use a prefix of your
    own (``taskflow_notify_channels``, ``labels_...``).  Return nothing.
    """


@hookspec
def taskflow_config_schema():
    """Contribute configuration fields.

    Return a :func:`dataclasses.dataclass` *class*; each field is one flat
    configuration key (``smtp_host`` is set by ``APP_SMTP_HOST``) whose type
    (``str``, ``int``, ``float``, ``bool``, ``bool | None`` or ``list[str]``)
    and default the kernel uses to coerce and validate the merged
    configuration.  Two plugins declaring the same key stop start-up.  A
    ``validate(self)`` method on the dataclass may return a list of error
    messages.
    """


@hookspec
def taskflow_migrations():
    """Contribute versioned database migrations.

    Return ``(namespace, directory)``: ``directory`` holds files named
    ``NNNN_description.sql`` (or ``NNNN_description.<engine>.sql`` where the
    SQL differs between ``sqlite`` and ``postgresql``).  The kernel applies
    the pending ones of each namespace in version order, each in its own
    transaction, and records them in the ``taskflow_migrations`` table.
    Before the first migration of a namespace it refuses to run when a table
    the migrations create already exists (another application's data).

    The namespace is the plugin's own name (``"labels"``; ``due_soon`` may
    stand for ``due-soon``); ``"core"`` is TaskFlow core's.  Another
    namespace, or one that another plugin already claimed, stops start-up
    naming both plugins: two plugins sharing one would each find the other's
    versions recorded and skip their own.
    """


@hookspec
def taskflow_event_types():
    """Declare the domain events this plugin emits.

    Return a list of :class:`lcore_taskflow.core.events.Event` subclasses,
    each with a unique ``type`` string (``"label.added"``).  ``kernel.emit``
    refuses an event whose class nobody declared.
    """


@hookspec
def taskflow_mounts(kernel):
    """Contribute HTTP routes.

    Return a list of ``(prefix, lcore_app)`` pairs.  ``prefix`` is a path
    ending in ``/`` (``"/api/notifications/"``); ``"/"`` puts the sub-app's
    routes at the root.  Both are relative to the kernel's mount prefix
    (``APP_MOUNT_PREFIX``).  Every route must declare its protection with the
    route option ``auth=`` (``False`` for a public route; see
    :mod:`lcore_taskflow.core` for the rules); a route that would replace
    another route stops start-up unless it declares ``overrides=True``, and
    so does a route ``name=`` that another route (a plugin's or the host's)
    already has.  A route's ``status=`` (``201``, ``204``) documents its
    success answer and is the status it sends when the handler returns a
    dict (``204``: no body) without setting another.
    """


@hookspec
def taskflow_middleware(kernel):
    """Contribute Lcore middleware for TaskFlow's routes.

    Return a list of :class:`lcore.Middleware` instances, each with a
    ``name`` and an ``order`` (lower runs earlier).  They wrap every route
    that TaskFlow's plugins mount — not the host's routes, unless the host
    lists the middleware's name in ``APP_HOST_FEATURES``.
    """


@hookspec
def taskflow_route_plugins(kernel):
    """Contribute Lcore route plugins (objects with ``apply(callback, route)``).

    Return a list; each wraps TaskFlow's routes (and the host's, when the
    host lists the plugin's ``name`` in ``APP_HOST_FEATURES``).
    """


@hookspec
def taskflow_dependencies(kernel):
    """Contribute dependency-injection entries.

    Return a list of ``(name, factory, lifetime)`` with ``lifetime`` one of
    ``"singleton"``, ``"scoped"``, ``"transient"``; handlers read them as
    ``ctx.<name>``.  A name the app already has stops start-up.
    """


@hookspec
def taskflow_task_filters(kernel):
    """Contribute query parameters of the task list.

    Return a list of :class:`lcore_taskflow.core.TaskFilter`; the task list
    (``GET /api/projects/<pid>/tasks``) accepts each ``param`` and narrows
    the listing and its count with the filter's SQL condition.  A ``param``
    that is one of the list's own or another plugin's stops start-up.  When
    a filter's SQL (or its ``convert``, other than by ``ValueError``, which
    answers 400) fails during a request, it is logged with the plugin's
    name and the list answers without it, naming it in ``ignored_filters``.
    """


@hookspec
def taskflow_task_fields(kernel):
    """Accept fields of your own in task create/update bodies.

    Return a list of field names (``["labels"]``).  When a ``POST`` or
    ``PUT``/``PATCH`` of a task carries them, core passes their raw values
    to the listeners as ``extra`` on ``task.created`` / ``task.updated``
    (an update with only such fields is valid), where the plugin validates
    and stores them in the same transaction; a listener that raises
    :class:`~lcore_taskflow.core.ApiError` refuses the whole change.  The
    frontend's ``taskflow.addTaskField`` sends its value under its name.  A
    field belongs to one plugin: one of core's own body fields (``title``,
    ...) or another plugin's stops start-up.  When the plugin's listener
    fails otherwise, the change stands without the field, and an update's
    answer does not list it in ``fields``.
    """


@hookspec
def taskflow_ui_modules(kernel):
    """Contribute frontend code.

    Return a list of :class:`lcore_taskflow.core.UIModule`.  When the ui
    package is installed it serves each module's directory and the
    single-page app loads its scripts and styles; without the ui package
    this hook is never called.
    """


@hookspec
def taskflow_startup(kernel):
    """The plugin has been assembled into ``kernel``; start background work."""


# ---------------------------------------------------------------- request


@hookspec(firstresult=True)
def taskflow_identify(request, credentials, kernel):
    """Identify the user making ``request``.

    Called at most once per request, the first time something asks for the
    current user.  ``credentials`` is the tuple of credential kinds the route
    accepts (``"bearer"``, ``"cookie"``, ``"basic"``; route option
    ``auth_via``): accept nothing else.  Return a user dict with at least
    ``id``, ``username`` and ``role``, or ``None`` when this plugin cannot
    identify the request.  The first non-``None`` answer wins.  When no
    plugin implements this hook, protected routes answer 401 saying so.
    """


@hookspec(firstresult=True)
def taskflow_sign_in(user, via, kernel):
    """Start a session for ``user``, whom another plugin has already verified.

    A plugin that authenticates people itself (single sign-on) calls
    ``kernel.sign_in(user, via="oidc")`` inside its request; the identity
    plugin answers this hook: it issues its credentials for the current
    request (its session cookie set on ``lcore.response``), records the
    session (listed with ``via``) and returns ``{"token", "expires_in",
    "user"}`` — the same shape as a password login.  ``user`` is a users row
    with at least ``id``, ``username`` and ``role``.  Return ``None`` when
    this plugin does not start sessions; the first answer wins.
    """


@hookspec
def taskflow_authorize(user, action, resource, kernel):
    """Decide whether ``user`` may perform ``action``.

    For workspace-wide actions (route option ``auth="<action>"``,
    ``kernel.require(action)``); what a caller may do *in a project* is its
    project role instead (``taskflow_project_access``).  ``action`` is a
    string such as ``"projects:create"`` or ``"users:update"``;
    ``resource`` is the object acted on: the project id on a route that
    declares both ``auth="<action>"`` and ``role=`` (checked after the role),
    a user id for ``users:update``, otherwise often ``None``.  Return
    ``True`` to allow, ``False`` to deny, ``None`` for no opinion.  All
    answers are combined, whatever the order of the plugins: any ``False``
    denies, else any ``True`` allows, else the request is denied with 403.
    The auth package's policy (:func:`lcore_taskflow.core.role_policy`)
    answers ``None`` for actions it does not know, so a plugin's ``True``
    can allow a member one.
    """


@hookspec
def taskflow_project_access(user, kernel):
    """Grant or deny project roles beyond members, teams and workspace visibility.

    Called at most once per request, for a signed-in user who is not an
    admin (admins act as owners everywhere; share links see their one
    project), the first time the request needs to know what the user may
    see.  Return a list of :class:`lcore_taskflow.core.Grant` (a role in the
    projects whose ids its SQL selects) and :class:`lcore_taskflow.core.Deny`
    (no access at all to those), or ``None``.  Everything is combined
    whatever the order of the plugins: the highest granted role counts, and
    a deny wins over every role.  The SQL becomes part of every list's
    ``WHERE`` (``kernel.access().where()``), so keep it indexed.
    """


@hookspec
def taskflow_represent(kind, rows, kernel):
    """Add fields to the JSON of ``rows`` before they are sent.

    ``kind`` is ``"task"``, ``"project"`` or ``"user"``; ``rows`` is the list
    of every row dict of one response (a page of a listing, or one row).
    Called once per response, so fetch what you add for all rows in one
    query (``WHERE task_id IN (...)``), then set a key on each row.  Use a
    key named after your plugin (``labels``) and return nothing.  An
    implementation that raises is logged with the plugin's name and the
    keys it added are taken off the rows again: the response answers with
    every other plugin's fields.
    """


@hookspec(firstresult=True)
def taskflow_render_error(status, message, request, kernel):
    """Render an error response body.

    Called for every 4xx/5xx answer of TaskFlow's routes and pages outside
    ``/api/`` (under ``/api/`` the answer is always JSON).  Return a string
    (HTML, with the content type set on ``lcore.response``) to replace the
    default JSON body ``{"error": message, "status": status}``, or ``None``
    to keep it.
    """


@hookspec
def taskflow_translations(kernel):
    """Declare the plugin's gettext catalog (``docs/translations.md``).

    Return ``(domain, directory)``: ``directory`` holds
    ``<lang>/LC_MESSAGES/<domain>.mo`` (compiled from the ``.po`` beside it
    by ``python scripts/i18n.py compile``, or Babel's ``pybabel compile``),
    shipped inside the plugin's package.  The domain is the plugin's name by
    convention (``"labels"``).  The msgids are the plugin's English texts:
    its ``ApiError`` messages, ``fields`` messages
    (:class:`lcore_taskflow.core.Message`) and whatever it translates itself
    with ``kernel``'s :class:`lcore_taskflow.core.Translator`.  The catalogs
    of one language are merged, core's first: a msgid that an earlier
    catalog translates keeps that translation.  Asked whenever a text is
    translated (errors, emails), so keep the answer a constant; the
    languages of ``GET /api/i18n`` are those the installed catalogs provide.
    """


@hookspec
def taskflow_event(event, kernel):
    """React to a domain event, inside the transaction that made the change.

    ``event`` is an instance of a :mod:`lcore_taskflow.core.events` class
    (or a plugin's own, declared with ``taskflow_event_types``); dispatch
    with ``isinstance``.  Rows written through ``kernel.db`` commit or roll
    back together with the change (an outbox row, an activity entry).  Do
    no network I/O here: schedule it with ``kernel.db.after_commit(fn)``.
    An exception is logged and undoes only this listener's own writes; an
    :class:`~lcore_taskflow.core.ApiError` instead refuses the whole change
    (the client gets it), for a listener validating its ``extra`` fields.
    Core's activity feed is written before any listener runs, as part of
    the change; order listeners with ``@hookimpl(tryfirst=True)`` /
    ``trylast=True`` when it matters.
    """


@hookspec
def taskflow_personal_data(user, kernel):
    """Contribute what your plugin keeps about ``user`` to their personal-data export.

    Called by ``GET /api/users/me/export`` (the io package) inside the
    caller's request; ``user`` is the signed-in user (``id``, ``username``,
    ``role``, ``email``).  Return a dict ``{section: JSON-able value}`` (for
    example ``{"sessions": [...]}``), or ``None`` for nothing; sections are
    prefixed with your plugin's name in the export.  Never return secrets
    (password hashes, token hashes, TOTP secrets).
    """


# ------------------------------------------------------------ maintenance


@hookspec
def taskflow_seed(db, kernel, options):
    """Insert demo data into a database that has just been created empty.

    ``db`` is a :class:`lcore_taskflow.core.Database` inside an open
    transaction.  ``options`` is a dict of bulk-seed sizes from
    ``taskflow db seed`` (``projects``, ``tasks``, ...) or empty for the
    default demo data, plus ``progress``, a callable ``progress(done, total)``.
    """


@hookspec
def taskflow_import_labels(task, labels, kernel):
    """Put the labels an import brought on one imported task.

    Called by an importer (lcore-taskflow-io's Trello and TaskFlow imports)
    once per task it created whose source carried labels, inside the
    import's transaction (``kernel.db``), after ``task.created``.  Raise
    ``ApiError`` to refuse the task (the importer leaves it out and reports
    your message for its row); any other exception fails the whole import,
    which is rolled back.  ``task`` is the new task row (``id``,
    ``project_id``, ``title``, ...); ``labels`` a list of
    ``{"name": str, "color": str}`` (``color`` as ``#rrggbb``).  Create the
    labels the task's project lacks (matching names without regard to case)
    and attach them.  Return how many labels the task now carries from this
    call; return ``None`` (or do not implement the hook) when your plugin
    keeps no labels: the importer then reports them as not imported.
    """


@hookspec
def taskflow_search_reindex(kernel):
    """Re-add your text to the full-text index (``taskflow search reindex``).

    Called inside the rebuild's transaction after core re-indexed its tasks,
    comments and projects and every plugin's earlier text was dropped: call
    ``kernel.search.index(source, kind, ref_id, text, project_id=...)`` for
    each task or project your plugin keeps text about (keep it current the
    same way in your ``taskflow_event`` listener).  Return nothing.
    """


@hookspec
def taskflow_cli_commands(subparsers):
    """Add sub-commands to the ``taskflow`` command line.

    ``subparsers`` is the :mod:`argparse` sub-parser action.  Give each parser
    ``set_defaults(handler=func)``; ``func(kernel, args)`` is called with a
    fully assembled kernel and returns an exit code.  Add
    ``set_defaults(needs_database=False)`` for a command that must not open
    (or create) the database.
    """


@hookspec
def taskflow_shutdown(kernel):
    """The host is stopping (``kernel.close()``): drain and stop background work."""
