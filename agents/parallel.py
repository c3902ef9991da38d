"""Where evaluations run in parallel: worker processes on this machine, or Ray workers.

Both the benchmark runner (many runs) and the trainer (many envs of one run) go through
here, so starting Ray, and what happens with no network, is decided in one place.

Locally, Ray starts with ``num_cpus`` CPUs, no dashboard, no usage report, token auth
off (``RAY_AUTH_MODE=disabled``: nothing to log into on one machine) and its session
files in a fresh temporary directory, so nothing is left in the home directory. To use
a real cluster, start it (``ray start --head`` on one node, ``ray start --address
HEAD:6379`` on the others, each with this package installed), then pass ``--address
HEAD:6379`` (or set ``RAY_ADDRESS``).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing as mp
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from hpo_env.optional import require

__all__ = ["BACKENDS", "check_backend", "imap_unordered", "init_ray", "new_pool", "process_pool", "shutdown_ray"]

BACKENDS = ("process", "ray")
_LOCAL_TMP: list[str] = []  # session directories of the local Rays this module started


def _exit_with_parent(parent: int) -> None:
    """End this worker within a tenth of a second of its parent's end, even mid-evaluation. A
    parent killed outright (SIGKILL, the OOM killer) cannot stop its pool: its workers would
    finish their work unseen (a resumed run would then repeat it) and wait for more forever."""
    while os.getppid() == parent:
        time.sleep(0.1)
    os._exit(1)


def _worker_start(parent: int, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    # Ctrl-C reaches every process of the terminal's group; the parent decides what stops,
    # so a worker prints no traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def new_pool(jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> cf.Executor:
    """``jobs`` spawned worker processes that ignore Ctrl-C and end with this process, each
    first running ``initializer(*initargs)``."""
    return cf.ProcessPoolExecutor(
        int(jobs),
        mp_context=mp.get_context("spawn"),
        initializer=_worker_start,
        initargs=(os.getpid(), initializer, initargs),
    )


@contextlib.contextmanager
def process_pool(
    jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
) -> Iterator[cf.ProcessPoolExecutor]:
    """A pool of ``jobs`` spawned workers that ignore Ctrl-C. Left normally, it waits for
    its workers; left by an exception (Ctrl-C in the parent), it cancels what is queued and
    stops the running workers at once instead of waiting for them."""
    ex = new_pool(jobs, initializer, initargs)
    try:
        yield ex
    except BaseException:
        stop_pool(ex)
        raise
    ex.shutdown()


def stop_pool(ex: cf.ProcessPoolExecutor) -> None:
    """Cancel queued work and terminate the workers without waiting for running work."""
    workers = list((getattr(ex, "_processes", None) or {}).values())  # not public API; absent means nothing to stop
    ex.shutdown(wait=False, cancel_futures=True)
    for w in workers:
        w.terminate()


def check_backend(backend: str) -> None:
    """Refuse an unknown backend, or ``"ray"`` without Ray installed, before any work starts."""
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r}; expected one of {BACKENDS}")
    if backend == "ray":
        require("the Ray backend", "ray")


def init_ray(address: str | None = None, num_cpus: int | None = None) -> bool:
    """Connect to Ray (``address``/``$RAY_ADDRESS``) or start it locally; True if this call started it."""
    check_backend("ray")
    import ray

    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    else:
        # A short path: Ray's unix sockets live under it and must stay under ~100 characters.
        tmp = tempfile.mkdtemp(prefix="hpo-rl-ray-", dir="/tmp" if os.path.isdir("/tmp") else None)
        _LOCAL_TMP.append(tmp)
        ray.init(
            num_cpus=int(num_cpus) if num_cpus else os.cpu_count(), include_dashboard=False, _temp_dir=tmp,
            log_to_driver=False, configure_logging=False,
        )  # fmt: skip
    return True


def shutdown_ray() -> None:
    """Shut Ray down and remove the session files of a local Ray started by :func:`init_ray`."""
    import ray

    ray.shutdown()
    while _LOCAL_TMP:
        shutil.rmtree(_LOCAL_TMP.pop(), ignore_errors=True)


def imap_unordered(
    fn: Callable[[Any], Any], items: Iterable[Any], jobs: int = 1, backend: str = "process", address: str | None = None
) -> Iterator[Any]:
    """``fn(item)`` for every item, yielded as each finishes, on ``jobs`` processes or on Ray.

    ``fn`` must be importable by the workers (a module-level function). With ``jobs=1``
    and the process backend everything runs here, in order. Ray runs one item per CPU;
    a Ray instance this call started is shut down when the iterator is exhausted or closed.
    """
    check_backend(backend)
    items = list(items)
    if backend == "process":
        if int(jobs) == 1:
            yield from map(fn, items)
            return
        with process_pool(int(jobs)) as ex:
            for fut in cf.as_completed([ex.submit(fn, x) for x in items]):
                yield fut.result()
        return
    import ray

    started = init_ray(address, num_cpus=jobs)
    try:
        remote = ray.remote(num_cpus=1)(fn)
        pending = [remote.remote(x) for x in items]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    finally:
        if started:
            shutdown_ray()
