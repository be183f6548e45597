"""Runs crafted for tests: a History whose test accuracy is given epoch by epoch."""
from mnist_lib.history import History


def crafted_run(test_accs, *, params=7000, train_acc=99.0, **meta):
    """A History of one epoch per value of test_accs (%), each one second long, with meta (model, seed, ...)."""
    return History({"params": params, **meta}, [dict(epoch=i + 1, train_acc=train_acc, test_acc=a, seconds=1.0)
                                                for i, a in enumerate(test_accs)])
