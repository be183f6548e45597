"""Many runs at once, each in a worker process on one thread, handed to any concurrent.futures executor."""
import multiprocessing
import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import torch
from tqdm import tqdm  # text bars: the same in a terminal, a notebook and a rendered page

from .history import finished_history
from .train import fit


@lru_cache(maxsize=1)
def _mnist(root):
    from .data import load_mnist

    return load_mnist(root)


def fit_one(cfg, out):
    """Train cfg into out in this process on one thread; its History. What each worker of fit_runs runs.

    The data is loaded once per process and data root (MNIST_DATA): a worker trains many runs, and fit only reads
    it."""
    from .models import build_model

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small convolutions use a second thread poorly: one process per core instead
    try:
        data = _mnist(os.environ.get("MNIST_DATA"))
        return fit(build_model(cfg.model, seed=cfg.seed), data, cfg, out=out, progress=False)
    finally:
        torch.set_num_threads(threads)  # a run in the caller's own process (InProcess) leaves it as it was


def local_executor(processes=2):
    """Worker processes on this machine, one per core by default. Spawned, not forked: a forked child inherits the
    parent's OpenMP threads in whatever state they are."""
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))


class InProcess(Executor):
    """Runs each submitted call at once, in this process: for runs so short (a chapter's smoke form) that starting
    a worker, importing torch and loading MNIST there would take longer than the run."""

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:
            future.set_exception(err)
        return future


def fit_runs(runs, processes=2, executor=None):
    """{key: History} for runs, a {key: (RunConfig, out folder)}, in the order of runs.

    A run whose complete history of the same recipe is already in its folder is read, not trained again. The others
    go to executor (anything with concurrent.futures' submit, e.g. a Dask Client's get_executor()), or else to
    `processes` local worker processes, or with processes=0 one after another in this process. Each run writes its
    own folder, so the files do not depend on which worker or machine trained it.
    """
    histories = {key: finished_history(cfg, out) for key, (cfg, out) in runs.items()}
    todo = [key for key, history in histories.items() if history is None]
    if not todo:
        return histories
    own = executor is None
    if own:
        executor = local_executor(min(processes, len(todo))) if processes else InProcess()
    try:
        futures = {executor.submit(fit_one, runs[key][0], Path(runs[key][1])): key for key in todo}
        for future in tqdm(as_completed(futures), total=len(todo), desc="runs", unit="run"):
            histories[futures[future]] = future.result()
    finally:
        if own:  # an error or Ctrl-C: runs not yet started are dropped instead of waited for
            executor.shutdown(wait=False, cancel_futures=True)
    return histories


def fit_seeds(cfg, seeds, out, processes=2, executor=None):
    """{seed: History} for cfg trained once per seed, each run in out/seed_<n> (see fit_runs)."""
    return fit_runs({seed: (replace(cfg, seed=seed), Path(out) / f"seed_{seed}") for seed in seeds}, processes,
                    executor)


def fit_each_seed(runs, seeds, processes=2, executor=None):
    """{"<key>, seed <n>": History} for each run of runs ({key: (RunConfig, out folder)}) trained once per seed,
    each in its out/seed_<n> (see fit_runs)."""
    return fit_runs({f"{key}, seed {seed}": (replace(cfg, seed=seed), Path(out) / f"seed_{seed}")
                     for key, (cfg, out) in runs.items() for seed in seeds}, processes, executor)
