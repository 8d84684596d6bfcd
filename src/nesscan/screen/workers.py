"""Scoring a screen's chunks in worker processes, so that every core is busy.

Each worker is a *spawned* process (no fork of a process whose OpenMP threads are
running) that holds its own copy of the model and featurizer and runs ``cores // workers``
torch threads. Chunks go out in file order, at most two per worker in flight, and their
results come back in that order, so memory stays bounded by a few chunks whatever the
proteome's size, and a chunk's result does not depend on which worker computed it
(``tests/test_workers.py``: same bytes with 1 and 2 workers).

Measured on the project's 2-core machine (``bench/``): with the physchem Transformer, on
an idle machine one process of two threads and two processes of one thread are equally
fast (57 s and 61 s for 1/16 of a human proteome, the latter paying ~4 s to start its
workers); with another job on the machine the workers lose less (55 s against 125 s for
403 yeast proteins); for ESM-2 8M at length 400 two single-thread processes gave 4,258
residues/s against 3,131 for one two-thread process.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any, Callable, Iterable, Iterator

_STATE: dict[str, Any] = {}


def cpu_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def plan_workers(workers: int | None, device: str | None = None) -> tuple[int, int]:
    """``(processes, torch threads each)``: ``None`` means one process per core on a CPU
    and one process on a GPU."""
    cores = cpu_cores()
    if workers is None:
        workers = 1 if device and device != "cpu" else cores
    workers = max(1, int(workers))
    return workers, max(1, cores // workers)


def _watch_parent(parent: int) -> None:
    """End this worker when its parent is gone (a SIGKILLed screen leaves no orphans)."""
    import time

    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def _init(parent: int, threads: int, state: dict[str, Any]) -> None:
    import signal
    import threading

    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    torch.set_num_threads(threads)
    _STATE.update(state)


def _call(job: Callable[..., Any], args: tuple) -> Any:
    return job(*args, **_STATE)


def map_ordered(job: Callable[..., Any], tasks: Iterable[tuple | None], state: dict[str, Any],
                workers: int, threads: int) -> Iterator[Any]:
    """``job(*task, **state)`` for each task, in order; a ``None`` task yields ``None``.

    With ``workers == 1``, or a single task, everything runs here (with ``threads``, or
    ``workers * threads``, torch threads).
    Otherwise ``state`` (the model with its featurizer, settings) is pickled once to each
    of ``workers`` spawned processes, each running ``threads`` torch threads.
    """
    import itertools

    import torch

    tasks = iter(tasks)
    head = list(itertools.islice(tasks, 2))
    if len(head) < 2:  # one task: starting workers would cost more than it saves
        workers, threads = 1, threads * max(workers, 1)
    tasks = itertools.chain(head, tasks)
    if workers <= 1:
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            for task in tasks:
                yield None if task is None else job(*task, **state)
        finally:
            torch.set_num_threads(before)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init, initargs=(os.getpid(), threads, state))
    pending: deque = deque()
    finished = False
    try:
        for task in tasks:
            pending.append(None if task is None else pool.submit(_call, job, task))
            while len(pending) > 2 * workers or (pending and pending[0] is None):
                head = pending.popleft()
                yield None if head is None else head.result()
        while pending:
            head = pending.popleft()
            yield None if head is None else head.result()
        finished = True
    finally:
        if not finished:  # an error or Ctrl-C: stop the workers now, not after their chunks
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=finished, cancel_futures=True)
