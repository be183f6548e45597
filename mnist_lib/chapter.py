"""What every chapter does first: decide between its full and its smoke form, and name the folder it writes to."""
import os
import tempfile
from dataclasses import dataclass

# nbval runs every chapter in smoke form by setting this variable to 1; papermill sets the chapter's SMOKE parameter.
SMOKE_VARIABLE = "MNIST_BOOK_SMOKE"


@dataclass(frozen=True)
class Chapter:
    """A chapter's form (full or smoke) and the folder its runs are written to and read from."""
    smoke: bool
    out: str

    @property
    def processes(self):
        """Worker processes for the chapter's runs (fit_runs' processes): one per core in full form; none in smoke
        form, where a run on 1,024 images takes less time than starting a worker."""
        return 0 if self.smoke else 2

    def recipe(self, cfg):
        """cfg in full form; its smoke version (one epoch on 1,024 training images) in smoke form."""
        return cfg.smoke() if self.smoke else cfg

    def folder(self, committed):
        """A folder of committed runs that the chapter reads or fills: itself in full form; in smoke form, a fresh
        one at the same place under the chapter's temporary folder, so that a smoke run never reads or overwrites a
        committed run."""
        return os.path.join(self.out, os.path.normpath(committed)) if self.smoke else committed


def open_chapter(smoke=False, out=None):
    """The chapter's Chapter: smoke form when its SMOKE parameter is true or MNIST_BOOK_SMOKE is 1, and then a
    fresh temporary folder in place of out, its committed folder."""
    smoke = bool(smoke) or os.environ.get(SMOKE_VARIABLE) == "1"
    return Chapter(smoke=smoke, out=tempfile.mkdtemp(prefix="mnist-smoke-") if smoke else out)
