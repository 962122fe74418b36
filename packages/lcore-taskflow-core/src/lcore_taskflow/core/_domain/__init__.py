"""Core's domain: the queries, rules and ordering the HTTP handlers of ``_api/`` call.

Each module is one area (``tasks``, ``comments``); its functions take plain
values (the kernel, the caller, ids, validated data) rather than reading
Lcore's request globals, so other services and tests can call them too.
"""
