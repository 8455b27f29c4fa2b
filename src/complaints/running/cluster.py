"""The batch on a Dask cluster: `complaints reports --dask ADDRESS` (or `--dask local`).

The batch submits its reports to any `concurrent.futures` executor whose workers have run
`batch.init_worker` (Options.executor). `dask_executor` makes one of a Dask distributed client:
a worker plugin runs `init_worker` on every worker, those there now and any that join later, and
`client.get_executor()` gives the executor. Each report is then built on a Dask worker exactly as
on the batch's own workers (its notebook's cells in-process, in a child forked from the worker), so
the outputs are the same file for file; only the times written into them differ.

Pointing it at a real cluster (see docs/performance.md):
- every worker machine has the project's environment (`uv sync --frozen`, or `pip install
  complaints[cluster]`) and sees the data and outputs folders at the same paths as the machine that
  runs `complaints reports` (a shared file system: the tasks name files, they do not carry them);
- start a scheduler and workers (`dask scheduler`; `dask worker tcp://scheduler:8786 --nworkers N
  --nthreads 1`), or use dask-jobqueue or dask-kubernetes, then run
  `complaints reports --dask tcp://scheduler:8786`. One thread a worker: a report uses one core.
The metrics step, the fingerprints and the index run on the machine that starts the batch.
"""

from __future__ import annotations

from pathlib import Path

from .batch import INPROCESS_PRELOAD, init_worker, worker_settings

PLUGIN = "complaints-batch"


def _plugin(settings: dict):
    from distributed.diagnostics.plugin import WorkerPlugin

    class BatchWorker(WorkerPlugin):
        """Sets up each Dask worker as a batch worker (imports, export template, in-process engine)."""

        name = PLUGIN

        def __init__(self, settings: dict):
            self.settings = settings

        def setup(self, worker):
            init_worker(self.settings)

    return BatchWorker(settings)


def dask_executor(client, inprocess: bool = True, preload=None, run_dir: Path | None = None):
    """A concurrent.futures executor over `client`'s workers, each set up by `init_worker` (Options.executor).
    inprocess False: each report in a kernel process of its own (an ordinary kernel), for workers that
    cannot fork."""
    modules = list(INPROCESS_PRELOAD) if preload is None else list(preload)
    settings = worker_settings(run_dir=run_dir, inprocess=inprocess, preload=modules)
    client.register_plugin(_plugin(settings), name=PLUGIN)
    return client.get_executor(pure=False)


def connect(address: str, workers: int = 0):
    """A Dask client: to the scheduler at `address`, or, for "local", to a new cluster on this machine of
    `workers` single-threaded worker processes (0: one per core). Closing the client closes that cluster."""
    import os

    from distributed import Client, LocalCluster

    if address != "local":
        return Client(address)
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    client._complaints_cluster = cluster  # closed with the client (see close)
    return client


def close(client) -> None:
    cluster = getattr(client, "_complaints_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()
