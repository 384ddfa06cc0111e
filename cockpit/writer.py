"""Commits off the caller's thread: one thread and one connection of its own, jobs in the
order they were given.

The full-screen cockpit reads the store on its event loop (the watch every second, folds,
search) and must never wait there on SQLite's write lock, which another process may hold
for up to the store's write patience (a minute). It hands each write to the `Writer`
instead: a job runs in the writer's thread on a connection of the writer's own, so

- the event loop stays free while the job waits for the lock;
- a read on the loop never shares a connection with a transaction in progress (it would
  see rows not yet committed, and would queue behind the busy wait on the connection's
  mutex);
- jobs commit strictly one after another, in the order they were submitted.

A job is a function of a `Cockpit` bound to the writer's connection (same clock, author
and zone); what it returns, or raises, comes back through a `concurrent.futures.Future`
(`asyncio.wrap_future` awaits it on an event loop). The writer's connection is opened by
the first job, in the writer's thread, so even opening never blocks the caller.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from cockpit.events import Event
    from cockpit.service import Cockpit

T = TypeVar("T")
_Jobs = queue.SimpleQueue[tuple[Future[Any], Callable[["Cockpit"], Any]] | None]


class Writer:
    """A queue of write jobs run in order by one thread on its own connection."""

    def __init__(self, cockpit: Cockpit) -> None:
        self._cockpit = cockpit
        self._lock = threading.Lock()
        self._jobs: _Jobs | None = None  # the running thread's queue
        self._pending = 0

    @property
    def pending(self) -> int:
        """Jobs submitted and not yet finished (committed or failed)."""
        return self._pending

    def submit(self, job: Callable[[Cockpit], T]) -> Future[T]:
        """Queue `job`; its result (or exception) arrives through the returned future."""
        future: Future[T] = Future()
        with self._lock:
            self._pending += 1
            if self._jobs is None:
                self._jobs = queue.SimpleQueue()
                # A daemon: a quit while a job waits on another process's lock must not
                # hang the process (the caller says what was left unsaved).
                threading.Thread(
                    target=self._run, args=(self._jobs,), name="cockpit-writer", daemon=True
                ).start()
            self._jobs.put((future, job))
        return future

    def append(self, events: list[Event]) -> Future[list[Event]]:
        """Commit `events` in one transaction (`Store.append`), after every earlier job."""
        return self.submit(lambda cockpit: cockpit.store.append(events))

    def close(self) -> None:
        """Finish the jobs already queued, then close the connection and end the thread."""
        with self._lock:
            jobs, self._jobs = self._jobs, None
        if jobs is not None:
            jobs.put(None)

    def _run(self, jobs: _Jobs) -> None:
        writing: Cockpit | None = None
        try:
            while (item := jobs.get()) is not None:
                future, job = item
                if not future.set_running_or_notify_cancel():
                    self._finished()
                    continue
                try:
                    if writing is None:
                        writing = self._bind()
                    result = job(writing)
                except BaseException as exc:  # handed to whoever waits on the future
                    self._finished()
                    future.set_exception(exc)
                else:
                    self._finished()
                    future.set_result(result)
        finally:
            if writing is not None:
                writing.store.close()

    def _finished(self) -> None:
        # Counted down before the future is resolved, so that whoever it wakes sees the
        # count without this job.
        with self._lock:
            self._pending -= 1

    def _bind(self) -> Cockpit:
        """The cockpit on a connection of this thread's own."""
        main = self._cockpit
        store = main.store.another_connection()
        return dataclasses.replace(main, store=store, warnings=[], _live={}, _writer=None)
