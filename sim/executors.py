"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

All executors take the same picklable tasks and yield ``(index, result)`` pairs as tasks
finish; callers put results back in task order, so the numbers never depend on the executor
or on the number of workers (every task seeds its own named streams).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol


class Executor(Protocol):
    workers: int

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Run ``fn`` on every task; yield (task index, result or raised exception)."""
        ...

    def close(self) -> None: ...


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class SerialExecutor:
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


class ProcessExecutor:
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


class DaskExecutor:
    """Tasks sent to a Dask distributed scheduler (``tcp://host:port``)."""

    def __init__(self, address: str) -> None:
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError("Dask is not installed: pip install 'tthc-sim[dask]'") from exc
        self._client = Client(address, timeout="20s")
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
    """A Dask executor if ``scheduler`` is given, else local processes (1 = in-process)."""
    if scheduler:
        return DaskExecutor(scheduler)
    n = default_workers() if workers is None or workers <= 0 else workers
    return SerialExecutor() if n == 1 else ProcessExecutor(n)
