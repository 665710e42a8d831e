"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

All executors take the same picklable tasks and yield ``(index, result)`` pairs as tasks
finish; callers put results back in task order, so the numbers never depend on the executor
or on the number of workers (every task seeds its own named streams).

Every executor is a context manager that closes on exit; :func:`open_executor` is the one
way code in this package gets an executor: it lends a caller's executor (left open) or
makes one for ``workers`` / ``scheduler`` and closes it at the end of the block.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Protocol

from sim.errors import InputError


class SchedulerError(InputError):
    """A Dask scheduler address that cannot be reached (bad input, found before any work)."""


class Executor(Protocol):
    workers: int

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Run ``fn`` on every task; yield (task index, result or raised exception)."""
        ...

    def close(self) -> None: ...


class _Closing:
    """``with executor: ...`` closes it at the end of the block."""

    def close(self) -> None:  # pragma: no cover - every executor defines its own
        pass

    def __enter__(self) -> Any:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class SerialExecutor(_Closing):
    """Runs tasks one after the other in this process."""

    workers = 1

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        for i, task in enumerate(tasks):
            try:
                yield i, fn(task)
            except Exception as exc:  # reported per task; the caller decides
                yield i, exc

    def close(self) -> None:
        pass


class ProcessExecutor(_Closing):
    """Local worker processes (spawned, so no state leaks from the parent)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        pending: dict[Future[Any], int] = {}
        it = iter(enumerate(tasks))
        # keep a bounded number of tasks in flight so results stream back in order of finish
        for i, task in it:
            pending[self._pool.submit(fn, task)] = i
            if len(pending) >= 2 * self.workers:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                i = pending.pop(fut)
                exc = fut.exception()
                yield i, (exc if exc is not None else fut.result())
                nxt = next(it, None)
                if nxt is not None:
                    pending[self._pool.submit(fn, nxt[1])] = nxt[0]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(_Closing):
    """Tasks sent to a Dask distributed scheduler (``tcp://host:port``)."""

    def __init__(self, address: str) -> None:
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError("Dask is not installed: pip install 'tthc-sim[dask]'") from exc
        try:
            self._client = Client(address, timeout="20s")
        except (OSError, ValueError) as exc:
            raise SchedulerError(f"cannot connect ({exc})", address) from None
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        from dask.distributed import as_completed

        task_list = list(tasks)
        futures = self._client.map(fn, task_list, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            i = index[fut.key]
            if fut.status == "error":
                yield i, fut.exception()
            else:
                yield i, fut.result()
            fut.release()

    def close(self) -> None:
        self._client.close()


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """A Dask executor if ``scheduler`` is given, else local processes (1 = in-process).

    The caller closes it; prefer :func:`open_executor`, which does.

    Raises
    ------
    SchedulerError
        If the scheduler cannot be reached (an :class:`~sim.errors.InputError`).
    """
    if scheduler:
        return DaskExecutor(scheduler)
    n = default_workers() if workers is None or workers <= 0 else workers
    return SerialExecutor() if n == 1 else ProcessExecutor(n)


@contextmanager
def open_executor(
    workers: int | None = 1, scheduler: str | None = None, executor: Executor | None = None
) -> Iterator[Executor]:
    """The executor for a block: the caller's ``executor`` (left open), or a new one.

    Parameters
    ----------
    workers
        Local processes: 1 = in this process, None or 0 = all cores (:func:`default_workers`).
    scheduler
        A Dask scheduler address (``tcp://host:port``); overrides ``workers``.
    executor
        An executor the caller owns: used as it is and not closed.

    Raises
    ------
    SchedulerError
        If the scheduler cannot be reached.
    """
    if executor is not None:
        yield executor
        return
    ex = make_executor(workers, scheduler)
    try:
        yield ex
    finally:
        ex.close()


@contextmanager
def connect_scheduler(
    address: str | None, *, option: str = "--scheduler"
) -> Iterator[Executor | None]:
    """A connected Dask executor for a block (None without an address), closed at its end.

    Connecting first lets a command refuse a wrong address before it does any work.
    ``option`` is how the address is named in the error message.

    Raises
    ------
    SchedulerError
        If the scheduler cannot be reached.
    """
    if not address:
        yield None
        return
    try:
        ex = DaskExecutor(address)
    except SchedulerError as exc:
        raise SchedulerError(f"{option}: {exc.message}", address) from None
    try:
        yield ex
    finally:
        ex.close()
