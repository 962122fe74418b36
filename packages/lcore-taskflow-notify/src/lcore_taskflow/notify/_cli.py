"""``taskflow notify ...``: the outbox's maintenance commands.

``worker`` delivers in the foreground, ``retry`` sends failed rows again,
``prune`` and ``digest`` run the periodic jobs once, ``send-test`` checks the
SMTP settings.  :class:`~._plugin.NotifyPlugin`'s ``taskflow_cli_commands``
hook adds them with :func:`add_commands`; each handler gets the plugin
instance whose hook added it, then the kernel and the parsed arguments.
"""

from __future__ import annotations

import sys
from functools import partial
from typing import TYPE_CHECKING, Any

from lcore_taskflow.core import progress_bar

from ._digest import Digests
from ._mailer import InvalidEmail
from ._outbox import Email
from ._worker import run_worker, summary

if TYPE_CHECKING:
    from ._plugin import NotifyPlugin


def add_commands(subparsers: Any, plugin: NotifyPlugin) -> None:
    """``taskflow notify worker|retry|prune|digest|send-test``, handled by ``plugin``."""
    notify = subparsers.add_parser("notify", help="notification outbox (email and channels)")
    sub = notify.add_subparsers(dest="notify_command", required=True)
    worker = sub.add_parser("worker", help="deliver the outbox in this process "
                                           "(several may run on one database)")
    worker.add_argument("--threads", type=int, metavar="N",
                        help="concurrent sends (default: APP_NOTIFY_WORKERS)")
    worker.add_argument("--poll", type=float, metavar="SECONDS",
                        help="how often to look for due rows (default: APP_NOTIFY_POLL)")
    worker.add_argument("--once", action="store_true",
                        help="deliver what is due now, then exit (tests, cron)")
    worker.set_defaults(handler=partial(cmd_worker, plugin))
    retry = sub.add_parser("retry", help="send failed notifications again")
    retry.add_argument("--id", type=int, action="append", dest="ids", metavar="ID",
                       help="only this notification (repeatable)")
    retry.add_argument("--stale-after", type=float, metavar="SECONDS",
                       help="also send due 'pending' rows older than this now")
    retry.add_argument("--limit", type=int, help="at most this many")
    retry.set_defaults(handler=partial(cmd_retry, plugin))
    prune = sub.add_parser("prune", help="delete read inbox items older than "
                                          "APP_INBOX_RETENTION_DAYS (the worker does it too)")
    prune.set_defaults(handler=partial(cmd_prune, plugin))
    digest = sub.add_parser("digest", help="write the daily digests that are due now "
                                           "(the worker does it too)")
    digest.set_defaults(handler=partial(cmd_digest, plugin))
    test = sub.add_parser("send-test", help="send one test email with the current settings")
    test.add_argument("--to", required=True, help="recipient address")
    test.add_argument("--subject", default="TaskFlow test email")
    test.set_defaults(handler=partial(cmd_send_test, plugin))


def cmd_worker(cli_plugin: NotifyPlugin, kernel: Any, args: Any) -> int:
    """``taskflow notify worker``: deliver until SIGTERM (or, with ``--once``, until idle)."""
    plugin = kernel.plugin(cli_plugin.name)  # the kernel's instance, not the CLI's
    if plugin.dispatcher is not None:  # this process delivers in the foreground instead
        plugin.dispatcher.stop()
        plugin.dispatcher = None
    config = kernel.config
    threads = args.threads or config.notify_workers
    poll = args.poll or config.notify_poll
    if not 1 <= threads <= 64 or poll <= 0:
        print("error: --threads must be 1-64 and --poll positive", file=sys.stderr)
        return 2
    counts = run_worker(plugin._outbox(kernel), threads=threads, poll=poll, once=args.once,
                        periodic=plugin._periodic(kernel), period=config.notify_digest_poll)
    print(f"delivered: {summary(counts)}")
    return 0


def cmd_prune(plugin: NotifyPlugin, kernel: Any, args: Any) -> int:
    """``taskflow notify prune``: the inbox's clean-up, once."""
    removed = Digests(kernel, plugin._outbox(kernel)).prune()
    print(f"pruned {removed} inbox items (older than "
          f"{kernel.config.inbox_retention_days} days)")
    return 0


def cmd_digest(plugin: NotifyPlugin, kernel: Any, args: Any) -> int:
    """``taskflow notify digest``: write the digests due now (a worker sends them)."""
    written = Digests(kernel, plugin._outbox(kernel)).run()
    print(f"wrote {written} digests")
    return 0


def cmd_retry(plugin: NotifyPlugin, kernel: Any, args: Any) -> int:
    """``taskflow notify retry``: resend failed rows with a progress bar."""
    outbox = plugin._outbox(kernel)
    results = outbox.retry(args.ids, stale_after=args.stale_after, limit=args.limit,
                           progress=progress_bar("retry"))
    for r in results:
        print(f"#{r['id']} {r['to']}: {r['status']}"
              + (f" ({r['error']})" if r.get("error") else ""))
    failed = sum(r["status"] == "failed" for r in results)
    print(f"retried {len(results)}: {len(results) - failed} ok, {failed} failed")
    return 1 if failed else 0


def cmd_send_test(plugin: NotifyPlugin, kernel: Any, args: Any) -> int:
    """``taskflow notify send-test --to ADDR``: check the SMTP settings end to end."""
    body = ("This is a test email from TaskFlow.\n\n"
            f"Server: {kernel.config.smtp_host or '(none: simulated mode)'}\n")
    try:
        result = plugin._outbox(kernel).send(Email(args.to, args.subject, body))
    except InvalidEmail as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"#{result['id']} {result['to']}: {result['status']}"
          + (f" ({result['error']})" if result.get("error") else ""))
    return 1 if result["status"] == "failed" else 0
