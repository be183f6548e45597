"""The book's target, and the figures of a run that say whether it met it."""
import statistics

TARGET_ACCURACY = 99.40  # % on the test set
TARGET_LAST = 5  # epochs, each of which must reach the target accuracy
TARGET_PARAMS = 8000  # trainable parameters, strictly fewer
TARGET_EPOCHS = 15  # at most
RELIABLE = (9, 10)  # the book's bar for a recipe: at least 9 of every 10 seeds meet the target


def meets_target(history, accuracy=TARGET_ACCURACY, last=TARGET_LAST, max_params=TARGET_PARAMS,
                 max_epochs=TARGET_EPOCHS):
    """True when the run used fewer than max_params parameters and at most max_epochs epochs,
    and its test accuracy reached `accuracy` on each of its last `last` epochs."""
    test = history.column("test_acc")
    return (history.params < max_params and last <= len(test) <= max_epochs
            and min(test[-last:]) >= accuracy)


def first_epoch_at(history, accuracy=TARGET_ACCURACY):
    """The first epoch (1-based) whose test accuracy reached `accuracy`, or None."""
    return next((row["epoch"] for row in history.epochs if row["test_acc"] >= accuracy), None)


def summarise(history):
    """The Results figures of a run, as a dict."""
    test = history.column("test_acc")
    last = test[-TARGET_LAST:]
    return dict(params=history.params, epochs=len(test), best_train=max(history.column("train_acc")),
                best_test=max(test), last5_min=min(last), last5_max=max(last), last5_mean=statistics.mean(last),
                first_at=first_epoch_at(history), met=meets_target(history),
                seconds_per_epoch=sum(history.column("seconds")) / len(test))

