"""``/api/projects/<pid>/plugins``: project-scoped plugins, switched per project (SPEC §13).

Any viewer lists them with their state; owners (and admins) turn one on or
off.  What "off" means is the kernel's business (``_scoped.py``).
"""

from __future__ import annotations

from .._errors import ApiError
from .._plugins import plugin_version
from .._schema import Boolean, ListOf, Schema, String
from .._scoped import is_project_scoped
from .._validation import json_body
from .replies import ident

NOT_SCOPED = ((404, "No project-scoped plugin of that name (or the project is hidden)"),)


class PluginSwitch(Schema):
    """Whether the plugin is on in the project."""

    enabled = Boolean(required=True, example=True)


class ProjectPlugin(Schema):
    name = String(required=True)
    version = String(required=True)
    description = String(required=True)
    enabled = Boolean(required=True)


class ProjectPlugins(Schema):
    """The project-scoped plugins and whether each is on in the project."""

    plugins = ListOf(ProjectPlugin, required=True)


class ProjectPluginSet(Schema):
    project_id = ident()
    name = String(required=True)
    enabled = Boolean(required=True)
    changed = Boolean(required=True)


def scoped_plugins(kernel) -> list:
    """The assembled project-scoped plugins, by name."""
    return sorted((i for i in kernel.infos if is_project_scoped(i.plugin)), key=lambda i: i.name)


def _summary(plugin) -> str:
    doc = (type(plugin).__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


def add_project_plugin_routes(app, kernel) -> None:

    @app.get("/<pid:int>/plugins", name="list_project_plugins", auth=True, role="viewer",
             returns=ProjectPlugins)
    def list_project_plugins(pid):
        """The project-scoped plugins: which are on in this project."""
        on = kernel.scopes.enabled(pid)
        return {"plugins": [{"name": i.name, "version": i.version or plugin_version(i.plugin),
                             "description": _summary(i.plugin), "enabled": i.name in on}
                            for i in scoped_plugins(kernel)]}

    @app.put("/<pid:int>/plugins/<name>", name="set_project_plugin", auth=True, role="owner",
             body=PluginSwitch, returns=ProjectPluginSet, responses=NOT_SCOPED)
    def set_project_plugin(pid, name):
        """Turn a project-scoped plugin on or off in this project (owners)."""
        actor = kernel.current_user()
        if name not in kernel.scopes.names():
            raise ApiError(404, "No project-scoped plugin named {name} is installed "
                                "(GET /api/projects/<id>/plugins lists them)",
                           params={"name": repr(name[:60])})
        enabled = PluginSwitch.validate(json_body())["enabled"]
        db = kernel.db
        with db.transaction():
            kernel.access().project(pid, "owner")
            changed = kernel.scopes.set(pid, name, enabled, actor.get("id"))
            if changed:
                kernel.audit("project.plugin_enabled" if enabled else "project.plugin_disabled",
                             target=f"project:{pid}", details={"plugin": name,
                                                               "enabled": enabled})
        return {"project_id": pid, "name": name, "enabled": enabled, "changed": changed}
