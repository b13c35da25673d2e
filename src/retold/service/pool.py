"""Worker processes for the CPU-bound work, stopped and replaced when a request times out.

Why processes and not threads: a thread cannot be interrupted, so a request
that times out in a thread pool keeps its worker busy until the work ends on
its own (measured on the ``http.server`` version: a 504 after 0.3 s left the
worker busy for the full comparison). A worker process can be killed at the
deadline and a fresh one forked in its place in milliseconds.

The workers are forked from a forkserver that imported retold and loaded the
sentence encoder once (:mod:`retold.service._warm`), so each starts warm and
shares the model's memory with its siblings. The event loop never waits on a
worker: it watches the busy workers' pipes (``add_reader``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import multiprocessing as mp
import multiprocessing.connection
import os
import signal
import threading
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from retold import errors

__all__ = ["ApiError", "WorkerCrashError", "WorkerPool"]

log = logging.getLogger("retold.service")


class ApiError(Exception):
    """An error answered with the one JSON error shape."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


class WorkerCrashError(Exception):
    """An unexpected exception in a worker; carries the worker's traceback for the log."""

    def __init__(self, summary: str, details: str) -> None:
        super().__init__(summary)
        self.details = details


def _worker_main(conn: mp.connection.Connection, config: dict[str, Any]) -> None:
    """A worker's loop: run ``jobs.<name>(*args)`` and send back how it went."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    from retold.service import jobs

    jobs.configure(config)
    while True:
        try:
            name, args = conn.recv()
        except (EOFError, OSError):
            return
        reply: tuple[Any, ...]
        try:
            reply = ("ok", getattr(jobs, name)(*args))
        except errors.RetoldError as exc:
            reply = ("retold", type(exc).__name__, str(exc))
        except Exception as exc:
            reply = ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())
        conn.send(reply)


class _Worker:
    def __init__(self, ctx: Any, config: dict[str, Any], slot: int) -> None:
        #: the worker's place in the pool, kept by its replacement (see ``run``'s ``key``)
        self.slot = slot
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, config), daemon=True)
        self.proc.start()
        child.close()
        self.conn: mp.connection.Connection = parent
        self.killed = False

    def call(self, name: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Send a job and wait for its reply (blocking: only before the loop serves)."""
        self.conn.send((name, args))
        reply: tuple[Any, ...] = self.conn.recv()
        return reply

    def submit(self, loop: asyncio.AbstractEventLoop, name: str, args: tuple[Any, ...]) -> Any:
        """Send a job from the event loop; the future gets the reply when the pipe has it.

        The loop sends and receives itself (``add_reader``) rather than through a
        thread per busy worker: a job's round trip wakes two processes (worker,
        server) instead of also two threads, each of which waits for a CPU on a
        loaded machine. (Measured: the workers were busy 95% of the wall time
        either way, so this saves little; it is simpler and has no thread pool
        to size.) The send cannot stall: the worker is idle, reading its pipe.
        """
        fut: asyncio.Future[tuple[Any, ...]] = loop.create_future()
        fd = self.conn.fileno()

        def ready() -> None:
            loop.remove_reader(fd)
            # uvicorn runs on uvloop when it is installed (uvicorn[standard]), whose
            # add_reader leaves the pipe non-blocking: a reply longer than the pipe's
            # buffer then failed half read (BlockingIOError, a 500 for a long report)
            with contextlib.suppress(OSError):
                os.set_blocking(fd, True)
            if fut.done():
                return
            try:
                fut.set_result(self.conn.recv())
            except (EOFError, OSError) as exc:  # killed at its deadline, or died
                fut.set_exception(exc)

        try:
            self.conn.send((name, args))
        except OSError as exc:
            fut.set_exception(exc)
            return fut
        loop.add_reader(fd, ready)
        return fut

    def kill(self) -> None:
        self.killed = True
        with contextlib.suppress(OSError):
            self.proc.kill()

    def close(self) -> None:
        self.kill()
        self.proc.join(5)
        self.conn.close()


def _context() -> Any:
    """Forkserver when the platform has it (fork from a clean, warm process), else spawn."""
    methods = mp.get_all_start_methods()
    ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        ctx.set_forkserver_preload(["retold.service._warm"])
    return ctx


def _reraise(reply: tuple[Any, ...]) -> Any:
    status = reply[0]
    if status == "ok":
        return reply[1]
    if status == "retold":
        cls = getattr(errors, reply[1], errors.RetoldError)
        if not (isinstance(cls, type) and issubclass(cls, errors.RetoldError)):
            cls = errors.RetoldError
        raise cls(reply[2])
    raise WorkerCrashError(reply[1], reply[2])


class WorkerPool:
    """``size`` worker processes with ``queue_size`` requests allowed to wait for one.

    :meth:`run` answers 503 at once when every worker is busy and the queue is
    full, and 504 at the deadline, when it also kills the worker doing the job
    (the worker is replaced in the background).
    """

    def __init__(self, name: str, size: int, queue_size: int, config: dict[str, Any]) -> None:
        self.name = name
        self.size = size
        self.queue_size = queue_size
        #: what each worker is configured with (shared with the other pool)
        self.config = config
        self._ctx = _context()
        self._workers: list[_Worker] = []
        self._idle: list[_Worker] = []
        self._queue: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._admitted = 0
        self.busy = 0
        self.replaced = 0
        # the event loop reads the workers' pipes; a thread starts replacements
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix=f"retold-{name}-spawn")
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        """Start the workers (blocking; call before serving)."""
        for slot in range(self.size):
            w = _Worker(self._ctx, self.config, slot)
            self._workers.append(w)
            self._idle.append(w)

    def call_now(self, name: str, *args: Any) -> Any:
        """Run a job synchronously on an idle worker (before the event loop serves)."""
        w = self._idle[0]
        return _reraise(w.call(name, args))

    async def run(self, name: str, *args: Any, timeout: float, key: str | None = None) -> Any:
        """Run ``jobs.<name>(*args)`` on a worker within ``timeout`` seconds.

        ``key`` (an article's text) picks the worker when it is idle: each worker
        caches the sentence vectors it encoded, so the same article sent again
        (searched, then compared from the page) finds its vectors cached.
        """
        if self._admitted >= self.size + self.queue_size:
            raise ApiError(
                503,
                "overloaded",
                "the server is busy (all workers and the queue are taken); retry shortly",
                {"Retry-After": "1"},
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._admitted += 1
        try:
            try:
                worker = await self._acquire(key, timeout)
            except TimeoutError:
                raise _timeout(timeout) from None
            self.busy += 1
            fut = worker.submit(loop, name, args)
            fut.add_done_callback(lambda f: self._returned(worker, f))
            try:
                reply = await asyncio.wait_for(asyncio.shield(fut), deadline - loop.time())
            except TimeoutError:
                # the job cannot be interrupted, its process can: the pipe then
                # closes, the waiting thread returns and the worker is replaced
                worker.kill()
                raise _timeout(timeout) from None
        finally:
            self._admitted -= 1
        return _reraise(reply)

    def _returned(self, worker: _Worker, fut: asyncio.Future[Any]) -> None:
        """A job ended (done, failed or killed): the worker goes back, or is replaced."""
        if fut.cancelled() or fut.exception() is not None or worker.killed:
            if not worker.killed:  # the process died on its own (e.g. out of memory)
                log.error("worker of the %s pool died; replacing it", self.name)
            if self._closed:
                return
            spawned: Future[_Worker] = self._spawner.submit(self._replace, worker)
            loop = asyncio.get_running_loop()
            spawned.add_done_callback(
                lambda f: loop.call_soon_threadsafe(self._back, _result_or_none(f))
            )
            return
        self._back(worker)

    async def _acquire(self, key: str | None, timeout: float) -> _Worker:
        if self._idle:
            want = hash(key) % self.size if key is not None else -1
            at = next((i for i, w in enumerate(self._idle) if w.slot == want), -1)
            return self._idle.pop(at)
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._queue.append(waiter)
        try:
            return await asyncio.wait_for(waiter, timeout)
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())  # handed over just as this request gave up
            else:
                with contextlib.suppress(ValueError):
                    self._queue.remove(waiter)
            raise

    def _back(self, worker: _Worker | None) -> None:
        self.busy -= 1
        if worker is not None:
            self._release(worker)

    def _release(self, worker: _Worker) -> None:
        if self._closed:
            return
        while self._queue:
            waiter = self._queue.popleft()
            if not waiter.done():
                waiter.set_result(worker)  # first come, first served
                return
        self._idle.append(worker)

    def _replace(self, old: _Worker) -> _Worker:
        old.close()
        new = _Worker(self._ctx, self.config, old.slot)
        with self._lock:
            self._workers = [w for w in self._workers if w is not old] + [new]
        self.replaced += 1
        return new

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._workers)
        for w in workers:
            w.kill()
        for w in workers:
            w.close()
        self._spawner.shutdown(wait=False, cancel_futures=True)


def _result_or_none(fut: Future[_Worker]) -> _Worker | None:
    exc = fut.exception()
    if exc is not None:
        log.error("could not start a worker to replace a stopped one: %s", exc)
        return None
    return fut.result()


def _timeout(timeout: float) -> ApiError:
    return ApiError(
        504,
        "timeout",
        f"the request took longer than {timeout:g} s and was stopped; try a shorter article",
    )
