"""Where trials run: any ``concurrent.futures.Executor``.

``open_executor("local", workers)`` gives a process pool on this machine; ``open_executor("dask://HOST:PORT")``
connects to an existing Dask distributed scheduler and uses the executor its client offers
(``Client.get_executor()``), so a search scales to a cluster without a scheduler of our own. Dask workers
must be able to import this project (start them from the repository root with its virtual environment, or
install the project on them) and read the data folder the search names; the connection is checked with a
probe task before any trial is sent.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from concurrent.futures import wait as futures_wait
from contextlib import contextmanager
from typing import Any

from wheelhouse.research.trial import DataSpec, Trial

Job = tuple[Mapping[str, str], DataSpec]
Outcome = tuple[dict[str, Any] | None, str | None]  # (answer, error)


class ExecutorError(ValueError):
    """The executor named by the user cannot be opened; the message says why."""


class InlineExecutor(Executor):
    """Runs each task in this process when it is submitted: ``local`` with one worker needs no pool."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, as a pool would
            future.set_exception(exc)
        return future


THREAD_POOLS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


class _SingleThreadedProcess(multiprocessing.context.SpawnProcess):
    """A spawned process that starts with one thread per numeric library (see :func:`single_threaded_context`)."""

    def start(self) -> None:
        saved = {name: os.environ.get(name) for name in THREAD_POOLS}
        os.environ.update(dict.fromkeys(THREAD_POOLS, "1"))
        try:
            super().start()  # the child copies the environment now, before it imports anything
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


class _SingleThreadedContext(multiprocessing.context.SpawnContext):
    Process = _SingleThreadedProcess  # type: ignore[assignment]


def single_threaded_context() -> multiprocessing.context.SpawnContext:
    """A ``spawn`` context whose workers run numba, OpenMP and BLAS with one thread each.

    The pricing kernels run numba-parallel loops and numpy may use a threaded BLAS; with one worker process
    per core, a thread per core in every worker would oversubscribe the machine, so the pool's processes are
    the parallelism. The variables are set in the child's environment from its start (a pool initializer would
    run after the child had already imported numpy); the parent's environment is left as it was.
    """
    return _SingleThreadedContext()


_Call = tuple[tuple[Callable[..., Any], tuple[Any, ...], Mapping[str, Any]], "Future[Any]"]


class LocalPool(Executor):
    """``workers`` processes on this machine (a one-process pool each), each running one call at a time.

    Calls wait in a backlog of parts: :meth:`submit` makes a part of one call, :meth:`submit_together` one of
    several. A process that has run out of work takes the next part whole and runs its calls one after
    another: trials that share their data then find it already opened there, and each data source is opened
    by one process, not by all. Parts are taken in the order they were submitted, by whichever process is free
    first, so the work spreads by what the calls actually cost. Processes start as ``mp_context`` starts them
    (default :func:`single_threaded_context`).
    """

    def __init__(self, workers: int, mp_context: multiprocessing.context.BaseContext | None = None) -> None:
        if workers < 1:
            raise ExecutorError("workers must be at least 1")
        context = mp_context or single_threaded_context()
        self._pools = [ProcessPoolExecutor(1, mp_context=context) for _ in range(workers)]
        self._backlog: deque[deque[_Call]] = deque()
        self._queues: list[deque[_Call]] = [deque() for _ in range(workers)]
        self._busy = [False] * workers
        self._closed = False
        self._lock = threading.Lock()

    @property
    def workers(self) -> int:
        return len(self._pools)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self.submit_together([(fn, args, kwargs)])[0]

    def submit_together(self, calls: Sequence[tuple[Callable[..., Any], tuple[Any, ...], Mapping[str, Any]]],
                        ) -> list[Future[Any]]:
        """Queue ``(fn, args, kwargs)`` calls as one part: one process runs them all, in order."""
        futures: list[Future[Any]] = [Future() for _ in calls]
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new calls after shutdown")
            if calls:
                self._backlog.append(deque(zip(calls, futures, strict=True)))
        self._dispatch()
        return futures

    def _next(self) -> tuple[int, _Call] | None:
        """A free process and the call it runs next (its part's next call, else the next part's first)."""
        with self._lock:
            for i, queue in enumerate(self._queues):
                if self._busy[i]:
                    continue
                if not queue and self._backlog:
                    queue = self._queues[i] = self._backlog.popleft()
                if queue:
                    self._busy[i] = True
                    return i, queue.popleft()
            return None

    def _dispatch(self) -> None:
        while (step := self._next()) is not None:
            i, ((fn, args, kwargs), future) = step
            if not future.set_running_or_notify_cancel():  # cancelled while it waited
                self._free(i)
                continue
            try:
                inner = self._pools[i].submit(fn, *args, **kwargs)
            except BaseException as exc:  # the pool was shut down: the call fails, the others go on
                future.set_exception(exc)
                self._free(i)
                continue
            inner.add_done_callback(functools.partial(self._finished, i, future))

    def _free(self, i: int) -> None:
        with self._lock:
            self._busy[i] = False

    def _finished(self, i: int, future: Future[Any], inner: Future[Any]) -> None:
        self._free(i)
        self._dispatch()  # the process takes its next call before this answer is handed on
        try:
            future.set_result(inner.result())
        except BaseException as exc:
            future.set_exception(exc)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            waiting = [future for part in (*self._backlog, *self._queues) for _, future in part]
        if cancel_futures:
            for future in waiting:
                future.cancel()
        elif wait:
            futures_wait(waiting)
        for pool in self._pools:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _probe() -> str:
    """Runs on a worker: proves it can import the research package (and hence the project)."""
    import wheelhouse.research.search  # noqa: F401

    return "ok"


def call_trial(trial: Trial, parameters: Mapping[str, str], spec: DataSpec) -> Outcome:
    """Run one trial on a worker; an exception comes back as text so every executor reports it alike."""
    try:
        return trial(dict(parameters), spec), None
    except Exception as exc:  # a failing trial is a result of the search, not a crash of it
        return None, f"{type(exc).__name__}: {exc}"


def dask_address(where: str) -> str | None:
    """``tcp://HOST:PORT`` for ``dask://HOST:PORT`` (or an explicit tcp/tls address); None for other text."""
    if where.startswith("dask://"):
        rest = where.removeprefix("dask://")
        return rest if "://" in rest else f"tcp://{rest}"
    if where.startswith(("tcp://", "tls://")):
        return where
    return None


@contextmanager
def open_executor(where: str = "local", workers: int | None = None, timeout: float = 10.0) -> Iterator[Executor]:
    """Open the executor ``where`` names (``local`` or ``dask://HOST:PORT``) and close it afterwards.

    ``workers``: processes of the local pool (default: CPU count; 1 runs trials in this process); for Dask,
    wait until the cluster has at least that many workers.
    """
    if workers is not None and workers < 1:
        raise ExecutorError("workers must be at least 1")
    if where == "local" and workers == 1:
        yield InlineExecutor()
        return
    if where == "local":
        # spawn, not fork: the parent may run threads (progress bar, Dask), which fork would copy mid-state.
        pool = LocalPool(workers or os.cpu_count() or 1)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    address = dask_address(where)
    if address is None:
        raise ExecutorError(f"executor '{where}': use 'local' or 'dask://HOST:PORT'")
    with dask_executor(address, workers, timeout) as executor:
        yield executor


@contextmanager
def dask_executor(address: str, workers: int | None = None, timeout: float = 10.0) -> Iterator[Executor]:
    """A Dask client's executor on the scheduler at ``address``, checked with a probe task."""
    from distributed import Client

    try:
        client = Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        if workers:
            client.wait_for_workers(workers, timeout=max(timeout, 60.0))
        try:
            client.submit(_probe, pure=False).result(timeout=max(timeout, 60))
        except Exception as exc:
            raise ExecutorError(
                f"Dask workers at {address} cannot run trials ({type(exc).__name__}: {exc}); start them from "
                "the repository root with the project's virtual environment"
            ) from None
        executor = client.get_executor(pure=False)
        try:
            yield executor
        finally:
            executor.shutdown(wait=True)
    finally:
        client.close()


def evaluate(
    executor: Executor,
    trial: Trial,
    jobs: Sequence[Job],
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Run every job on ``executor`` and return the outcomes in job order (whatever order they finish in).

    A trial with an ``affinity(parameters, spec)`` attribute has its jobs submitted grouped by that key
    (groups in order of first appearance, job order within a group): jobs that share a key, such as the same
    data, then tend to run one after another on a worker that keeps what the previous one loaded. On a
    :class:`LocalPool` the groups go whole to one process each (a group larger than the jobs' share of one
    process is cut into that many parts), largest first, each to the next process that is free.
    Only where and in which order jobs run changes; the answers do not.
    """
    affinity = getattr(trial, "affinity", None)
    groups: list[list[int]] = [list(range(len(jobs)))]
    if affinity is not None:
        by_key: dict[object, list[int]] = {}
        for i, (params, spec) in enumerate(jobs):
            by_key.setdefault(affinity(params, spec), []).append(i)
        groups = list(by_key.values())
    futures: dict[Future[Outcome], int] = {}
    if isinstance(executor, LocalPool):
        share = max(1, math.ceil(len(jobs) / executor.workers))
        parts = [g[k:k + share] for g in groups for k in range(0, len(g), share)]
        if affinity is None:
            parts = [[i] for i in range(len(jobs))]
        for part in sorted(parts, key=len, reverse=True):  # stable: equal parts keep their order
            sent = executor.submit_together([(call_trial, (trial, *jobs[i]), {}) for i in part])
            futures.update(zip(sent, part, strict=True))
    else:
        for i in (i for g in groups for i in g):
            futures[executor.submit(call_trial, trial, jobs[i][0], jobs[i][1])] = i
    outcomes: list[Outcome | None] = [None] * len(jobs)
    for future in as_completed(futures):
        outcomes[futures[future]] = future.result()
        if progress is not None:
            progress(1)
    return [o if o is not None else (None, "no result") for o in outcomes]
