"""What `atp serve` adds to uvicorn (issue 15): the two connection limits it lacks, a log
that cannot flood, and an open-file limit raised to what the system allows.

uvicorn bounds header size (h11) and idle keep-alive time, but not how long a client may
take to send a request: its keep-alive timer restarts on every byte, so a client trickling
a header a byte at a time (slowloris) held a connection for ever, and enough idle sockets
used up the open files, at which point asyncio logged a traceback for every refused
accept. ``GuardedH11Protocol`` is uvicorn's own h11 protocol with a deadline for each whole
request and a cap on open connections; everything else is uvicorn's.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections import OrderedDict
from typing import ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("atp.connections")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with:

    - a request deadline: from connecting, or from the end of the previous response on a
      kept-alive connection, a client has ``request_timeout_s`` to send its whole request
      (headers and body) before the connection is closed;
    - a connection cap: past ``max_connections``, the connection that has waited longest
      for its request is closed, so idle sockets never keep a real request out.

    Use ``configured(...)``: each server gets its own subclass, which keeps its waiting
    connections oldest first.
    """

    request_timeout_s: ClassVar[float] = 10.0
    max_connections: ClassVar[int] = 4096
    waiting: ClassVar[OrderedDict[GuardedH11Protocol, None]] = OrderedDict()
    _deadline: asyncio.TimerHandle | None = None

    @classmethod
    def configured(cls, request_timeout_s: float, max_connections: int) -> type[GuardedH11Protocol]:
        return type(
            cls.__name__,
            (cls,),
            {
                "request_timeout_s": request_timeout_s,
                "max_connections": max_connections,
                "waiting": OrderedDict(),
            },
        )

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_request()
        if len(self.connections) > self.max_connections:
            oldest = next(iter(self.waiting))  # self, only if no other one is waiting
            log.warning("connection limit %d reached: closing idle ones", self.max_connections)
            oldest._drop()

    def handle_events(self) -> None:
        super().handle_events()
        cycle = self.cycle
        if cycle is not None and not cycle.more_body and not cycle.response_complete:
            self._received()  # the whole request is in: the app's time is not bounded here

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._await_request()  # before uvicorn reads a pipelined request (handle_events)
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._received()
        super().connection_lost(exc)

    def _await_request(self) -> None:
        self._received()
        self.waiting[self] = None
        self._deadline = self.loop.call_later(self.request_timeout_s, self._timed_out)

    def _received(self) -> None:
        self.waiting.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        log.warning(
            "closing a connection that sent no whole request in %g s", self.request_timeout_s
        )
        self._drop()

    def _drop(self) -> None:
        """Close at once: nothing is owed to a connection without a request, and a client
        that does not read must not hold the socket by leaving a response unsent."""
        self._received()
        self.transport.abort()


class RateLimited(logging.Filter):
    """At most one record per logger and message template every ``interval_s``; the next
    one that passes says how many were held back, and only the first keeps its traceback.
    A flood of one event (refused accepts, timed-out connections) then costs a line per
    interval instead of megabytes a second."""

    def __init__(self, interval_s: float = 10.0) -> None:
        super().__init__()
        self.interval_s = interval_s
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        # asyncio puts its details after the first line of a preformatted message
        key = (record.name, str(record.msg).split("\n", 1)[0][:200])
        now = time.monotonic()
        if len(self._last) > 1000:  # templates are few; never let the table grow for ever
            self._last.clear()
        last = self._last.get(key)
        if last is not None and now - last < self.interval_s:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        held = self._held.pop(key, 0)
        if last is not None:
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        if held:
            record.msg = f"{record.msg} ({held} more like this in the last {now - last:.0f} s)"
        self._last[key] = now
        return True


def raise_open_file_limit(ceiling: int = 1 << 20) -> int:
    """Raise this process's soft limit on open files to its hard limit (as nginx's
    worker_rlimit_nofile or systemd's LimitNOFILE would); return the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = ceiling if hard == resource.RLIM_INFINITY else min(hard, ceiling)
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft
