"""``GET /api/search``: tasks, comments and projects by words, only what you may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lcore import Lcore

from .._schema import Boolean, Choice, Integer, ListOf, Query, Schema, String, Text

if TYPE_CHECKING:
    from .. import TaskFlow


class SearchQuery(Query):
    q = Text(required=True, max_len=200, description="Words; each matches as a prefix")
    project_id = Integer(minimum=1, description="Only this project")
    limit = Integer(minimum=1, maximum=50, default=20, description="Results per page")
    offset = Integer(minimum=0, maximum=10_000, default=0)


class SearchResult(Schema):
    kind = Choice(("task", "comment", "project"), required=True)
    id = Integer(required=True, minimum=1, description="The task's, comment's or project's id")
    project_id = Integer(required=True, minimum=1)
    task_id = Integer(minimum=1, description="The task (of a comment, or the task itself)")
    title = String(required=True, description="The task's or project's title")
    snippet = String(required=True, description="Where the words matched, plain text")
    highlights = ListOf(ListOf(Integer(minimum=0)), required=True,
                        description="[start, end] offsets of the matched words in snippet")


class SearchResults(Schema):
    """The best matches first; ``total`` counts at most 1000 (``more``: there are more)."""

    results = ListOf(SearchResult, required=True)
    total = Integer(required=True, minimum=0)
    more = Boolean(required=True)


def build_search_app(kernel: TaskFlow) -> Lcore:
    app = Lcore()

    @app.get("/api/search", name="search", auth=True, share=True, query=SearchQuery,
             returns=SearchResults)
    def search():
        """Find tasks, comments and projects by words (prefixes; case and accents ignored)."""
        args = SearchQuery.validate()
        return kernel.search.query(args["q"], project_id=args.get("project_id"),
                                   limit=args["limit"], offset=args["offset"])

    return app
