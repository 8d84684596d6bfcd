"""Scoring a screen's chunks on a Ray cluster (``nesscan screen --engine ray``).

:class:`RayEngine` is a drop-in for :func:`nesscan.screen.workers.map_ordered`: called as
``engine(job, tasks, state, workers, threads)`` it yields ``job(*task, **state)`` for each
task, in order (``None`` tasks yield ``None``), and does not look inside ``state``. The
chunks are the same, the results land in the same ``OUT/.partial/`` store and the same
assembly writes the outputs, so the outputs are the bytes of the local engine's.

* A pool of actors (one per CPU of the cluster, or ``workers``; one per GPU with
  ``device="cuda"``, each asking for ``num_gpus=1``, which
  :func:`~nesscan.screen.proteomes.screen_proteomes` passes only for a model that computes
  on the device: the default's actors take CPUs) is started once per engine. The
  ``state`` of a screen (the model with its featurizer, settings) is put into the object
  store once (``ray.put`` on the driver) and each actor fetches and unpickles it once, on its
  first chunk of that screen: what is shipped to the workers is whatever ``state`` holds,
  so the model directory need not be on shared storage.
* Chunks travel as task arguments and their results come back to the driver, which alone
  reads the FASTA and writes ``OUT/``: workers need no shared storage.
* At most two chunks per actor are in flight per screen, so memory stays bounded; an
  engine may serve several screens at once (one driver thread each,
  :func:`nesscan.screen.proteomes.screen_proteomes`): their chunks share the pool.
* Faults: an actor whose process dies is restarted by Ray (``max_restarts``) and its
  chunks are rerun (``max_task_retries``); a chunk whose actor is gone for good is
  resubmitted to another actor. A chunk's result does not depend on the actor that
  computed it.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import deque
from typing import Any, Callable, Iterable, Iterator

from nesscan.errors import NesscanError

#: restarts of a dead actor, and reruns of a chunk, before the screen fails
RETRIES = 4


def import_ray():
    """The ``ray`` module, or one clear error line when it is not installed."""
    try:
        import ray
    except ImportError:
        raise NesscanError("--engine ray needs Ray: pip install 'nesscan[ray]'") from None
    return ray


class _ChunkWorker:
    """A Ray actor: runs jobs against the states of the screens it serves, each
    fetched from the object store once."""

    def __init__(self, threads: int) -> None:
        import torch

        torch.set_num_threads(threads)
        self.states: dict[str, dict[str, Any]] = {}

    def pid(self) -> int:
        return os.getpid()

    def run(self, job: Callable[..., Any], task: tuple, key: str, boxed: list) -> Any:
        state = self.states.get(key)
        if state is None:  # the ref is boxed in a list so that Ray does not resolve it per call
            import ray

            state = self.states[key] = ray.get(boxed[0])
        return job(*task, **state)

    def forget(self, key: str) -> None:
        self.states.pop(key, None)


class RayEngine:
    """A pool of Ray actors scoring chunks; see the module docstring.

    Parameters
    ----------
    address
        Ray cluster to join (``ray.init(address)``); None: ``$RAY_ADDRESS``, else a cluster
        started on this machine by ``ray start``, else a new one-machine cluster bound to
        127.0.0.1.
    workers
        Actors in the pool (default: the cluster's CPUs divided by ``threads``, or its GPUs).
    device
        ``"cuda..."`` gives each actor one GPU (``num_gpus=1``).
    threads
        CPUs (and torch threads) per actor.
    """

    def __init__(self, address: str | None = None, workers: int | None = None, device: str | None = None,
                 threads: int = 1) -> None:
        ray = self.ray = import_ray()
        if not ray.is_initialized():
            try:
                ray.init(address=address or os.environ.get("RAY_ADDRESS") or "auto", log_to_driver=False)
            except ConnectionError:
                if address:
                    raise NesscanError(f"no Ray cluster at {address}") from None
                ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=False,
                         num_cpus=None if workers is None else workers * threads)
        gpus = 1 if device and str(device).startswith("cuda") else 0
        resources = ray.cluster_resources()
        if workers is None:
            workers = int(resources.get("GPU", 0)) if gpus else int(resources.get("CPU", 1) // threads)
        if workers < 1:
            raise NesscanError("the Ray cluster has no " + ("GPU" if gpus else "CPU") + " for a worker")
        actor = ray.remote(num_cpus=threads, num_gpus=gpus, max_restarts=RETRIES,
                           max_task_retries=RETRIES)(_ChunkWorker)
        self.actors = [actor.remote(threads) for _ in range(workers)]
        self._inflight: list[set] = [set() for _ in range(workers)]  # refs of unfinished chunks
        self._next = 0
        self._lock = threading.Lock()

    def pids(self) -> list[int]:
        """The process id of each actor (waits for the actors to start)."""
        return self.ray.get([a.pid.remote() for a in self.actors])

    def shutdown(self) -> None:
        """End the actors (the cluster stays up)."""
        for a in self.actors:
            self.ray.kill(a)
        self.actors, self._inflight = [], []

    def _submit(self, job: Callable[..., Any], task: tuple, key: str, boxed: list, avoid: int = -1):
        """Send ``task`` to the actor with the fewest unfinished chunks (``avoid`` last)."""
        ray = self.ray
        with self._lock:
            for refs in self._inflight:  # forget the finished ones, fetched or not
                if refs:
                    ready, _ = ray.wait(list(refs), num_returns=len(refs), timeout=0, fetch_local=False)
                    refs.difference_update(ready)
            n = len(self.actors)  # ties go round-robin
            i = min(range(n), key=lambda j: (j == avoid, len(self._inflight[j]), (j - self._next) % n))
            self._next = (i + 1) % n
            ref = self.actors[i].run.remote(job, task, key, boxed)
            self._inflight[i].add(ref)
        return [i, ref, job, task, 0]

    def _result(self, item, key: str, boxed: list) -> Any:
        ray = self.ray
        while True:
            i, ref, job, task, tries = item
            try:
                return ray.get(ref)
            except ray.exceptions.RayActorError:
                if tries >= RETRIES:
                    raise
                item[:] = self._submit(job, task, key, boxed, avoid=i)[:4] + [tries + 1]
            except ray.exceptions.RayTaskError as exc:  # the job's own error, as raised there
                cause = getattr(exc, "cause", None)
                raise (cause if isinstance(cause, Exception) else exc) from None
            finally:
                with self._lock:
                    self._inflight[i].discard(ref)

    def __call__(self, job: Callable[..., Any], tasks: Iterable[tuple | None], state: dict[str, Any],
                 workers: int | None = None, threads: int | None = None) -> Iterator[Any]:
        """``job(*task, **state)`` for each task, in order; ``workers`` and ``threads`` (the
        local engine's plan) are ignored: the pool is the engine's."""
        key = uuid.uuid4().hex
        boxed = [self.ray.put(state)]
        limit = 2 * len(self.actors)
        pending: deque = deque()
        try:
            for task in tasks:
                pending.append(None if task is None else self._submit(job, task, key, boxed))
                while len(pending) > limit or (pending and pending[0] is None):
                    head = pending.popleft()
                    yield None if head is None else self._result(head, key, boxed)
            while pending:
                head = pending.popleft()
                yield None if head is None else self._result(head, key, boxed)
        finally:
            for item in pending:  # an error or Ctrl-C: drop the chunks still queued
                if item is not None:
                    try:
                        self.ray.cancel(item[1])
                    except Exception:  # already finished, or its actor is gone
                        pass
                    with self._lock:
                        self._inflight[item[0]].discard(item[1])
            for a in self.actors:
                a.forget.remote(key)
