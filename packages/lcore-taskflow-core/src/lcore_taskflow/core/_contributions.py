"""Small value objects that plugins hand to the kernel through hooks."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaskFilter:
    """An extra query parameter of the task list (``taskflow_task_filters``).

    ``?<param>=<value>`` adds ``where`` (an SQL condition on the tasks table,
    aliased ``t``, with exactly one ``?`` for the converted value) to the
    listing and to its count::

        TaskFilter("label", "t.id IN (SELECT task_id FROM task_labels"
                            " WHERE label_id = ?)", convert=int,
                   description="only tasks carrying this label id")

    ``convert`` turns the raw string into the SQL value; a ``ValueError``
    answers 400 naming the parameter.
    """

    param: str
    where: str
    convert: Callable[[str], Any] = str
    description: str = ""

    def __post_init__(self) -> None:
        if self.where.count("?") != 1:
            raise ValueError(f"TaskFilter {self.param!r}: 'where' needs exactly one '?'")


@dataclass(frozen=True)
class UIModule:
    """Frontend code a plugin ships (``taskflow_ui_modules``).

    ``directory`` is a folder of the plugin's package; the ui package serves
    it at ``<prefix>/static/plugins/<name>/`` and the single-page app loads
    each of ``scripts`` (ES modules whose default export receives the
    ``taskflow`` frontend API) and ``styles`` (CSS), same origin, no inline
    code.  See docs/ui-extensions.md (every function of the frontend API).

    ``ui_api`` is the frontend API version (``taskflow.version``) the
    scripts need; a frontend that provides less does not run them and shows
    a notice naming the plugin and both versions.  ``None``: any version.
    Files are served under a content hash of ``directory``, cached for a year.
    """

    name: str
    directory: str | os.PathLike
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    ui_api: int | None = None
