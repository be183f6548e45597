"""A trained model scored: loss and accuracy over a loader, predictions, and accuracy on moved test digits."""
import torch
import torch.nn as nn

from .augment import affine


def accuracy_of(correct, total):
    # 100 * correct / total keeps 9940 of 10000 exactly 99.4, where correct / total * 100 does not.
    return 100.0 * correct / total


@torch.no_grad()
def evaluate(model, loader):
    """(mean loss, accuracy in %) over every batch of loader."""
    model.eval()
    loss_sum, correct, total = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        loss_sum += nn.functional.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(1) == y).sum().item()
        total += len(y)
    return loss_sum / total, accuracy_of(correct, total)


@torch.no_grad()
def predict(model, images, *, mean, std, batch_size=1000):
    """Predicted class of each image (float in [0, 1], shape (N, 1, 28, 28))."""
    model.eval()
    device = next(model.parameters()).device
    return torch.cat([model(((chunk.to(device) - mean) / std)).argmax(1).cpu()
                      for chunk in images.split(batch_size)])


def accuracy_under(model, data, *, shift=(0, 0), angle=0.0):
    """Test accuracy (%) with every test digit shifted by (x, y) pixels (right and down positive) and rotated by
    angle degrees (anticlockwise positive), resampled as the training augmentation resamples."""
    side = data.test_images.shape[-1]
    images = affine(data.test_images, angle, (shift[0] / side, shift[1] / side))
    preds = predict(model, images, mean=data.mean, std=data.std)
    return accuracy_of((preds == data.test_labels).sum().item(), len(preds))


def member_accuracies(ensemble, data):
    """Test accuracy (%) of each member of a blocks.Ensemble alone, in order."""
    return [accuracy_under(member, data) for member in ensemble.members]


def ensemble_rows(ensembles, singles, data):
    """One row per seed ({seed: model} each): the test accuracy (%) of each member of the seed's ensemble alone, the
    members' mean, the ensemble's and the single network's of the same seed; then a row of the means over seeds."""
    rows = []
    for seed, ensemble in ensembles.items():
        members = member_accuracies(ensemble, data)
        rows.append(dict(seed=seed, **{f"member_{i}": a for i, a in enumerate(members, 1)},
                         members_mean=sum(members) / len(members), ensemble=accuracy_under(ensemble, data),
                         single=accuracy_under(singles[seed], data)))
    means = {key: sum(row[key] for row in rows) / len(rows) for key in rows[0] if key != "seed"}
    return rows + [dict(seed="mean", **means)]


def robustness_rows(models, data, shifts=(1, 2), angles=(5, 10, 15)):
    """Accuracy of each model ({column: model}) under each shift (right, left, down, up) and each rotation (both
    ways), beside the untouched set: one row per way of moving the digits."""
    moves = [("as they are", {})]
    for d in shifts:
        for name, shift in (("right", (d, 0)), ("left", (-d, 0)), ("down", (0, d)), ("up", (0, -d))):
            moves.append((f"shifted {d} px {name}", {"shift": shift}))
    for a in angles:
        for sign, name in ((1, "anticlockwise"), (-1, "clockwise")):
            moves.append((f"rotated {a}° {name}", {"angle": sign * a}))
    return [{"digits": move, **{column: accuracy_under(model, data, **how) for column, model in models.items()}}
            for move, how in moves]


def worst_cost(rows, column, move):
    """How many points of accuracy the worst of robustness_rows' moves whose name starts with `move` ("shifted 2
    px") costs the model in `column`, against the digits as they are (the first row)."""
    return rows[0][column] - min(row[column] for row in rows if row["digits"].startswith(move))
