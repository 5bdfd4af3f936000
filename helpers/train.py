"""Training, evaluation and results over seeds (chapter 4, whose cells hold
``train_epoch``, ``evaluate`` and the results' functions to the letter)."""

import copy
import math
import time

import torch
from torch import nn
from tqdm.auto import tqdm

from . import epochs as scaled_epochs
from . import get_device


def train_epoch(model, loader, loss_fn, optimizer, device):
    """Train ``model`` for one pass over ``loader`` (chapter 4).

    Returns the mean loss and the accuracy over all images seen, averaged per
    image (not per batch), while the weights were still changing.
    """
    model.train()  # dropout on, batch norm learns its statistics
    loss_sum, correct, seen = 0.0, 0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)  # 1. forward: scores [N, classes]
        loss = loss_fn(logits, labels)  # 2. mean loss of the batch
        optimizer.zero_grad()  # 3. clear the last batch's gradients
        loss.backward()  # 4. new gradients
        optimizer.step()  # 5. update the weights
        # sums per image, so that a short last batch counts for its size
        loss_sum += loss.item() * len(labels)
        correct += (logits.argmax(dim=1) == labels).sum().item()
        seen += len(labels)
    if seen == 0:
        raise ValueError("the loader yielded no images")
    return loss_sum / seen, correct / seen


def evaluate(model, loader, loss_fn, device):
    """Mean loss and accuracy of ``model`` over every image in ``loader``
    (chapter 4). The model's mode is restored afterwards, even on an error.
    """
    was_training = model.training
    model.eval()  # dropout off, batch norm uses its running statistics
    loss_sum, correct, seen = 0.0, 0, 0
    try:
        with torch.no_grad():  # nothing to learn: no gradients needed
            for images, labels in loader:
                images, labels = images.to(device), labels.to(device)
                logits = model(images)
                loss_sum += loss_fn(logits, labels).item() * len(labels)
                correct += (logits.argmax(dim=1) == labels).sum().item()
                seen += len(labels)
    finally:
        model.train(was_training)  # leave the model as we found it
    if seen == 0:
        raise ValueError("the loader yielded no images")
    return loss_sum / seen, correct / seen


def fit(
    model: nn.Module,
    train_loader,
    val_loader=None,
    *,
    epochs: int = 5,
    optimizer=None,
    loss_fn=None,
    scheduler=None,
    device=None,
    progress: bool = True,
    log=print,
    keep_best: bool = True,
) -> dict[str, list[float]]:
    """Chapter 4's loop: each epoch :func:`train_epoch`, :func:`evaluate`
    and ``scheduler.step()``; then, with ``keep_best``, the weights of the
    first epoch of highest validation accuracy. Defaults: Adam (lr 1e-3),
    cross-entropy, one epoch in quick mode; a line per epoch to ``log``.
    Returns the history, a list per key, one entry per epoch."""
    device = torch.device(device) if device is not None else get_device()
    model.to(device)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    if optimizer is None:
        trainable = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.Adam(trainable, lr=1e-3)
    n_epochs = scaled_epochs(epochs)
    keys = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc"]
    history = {key: [] for key in [*keys, "seconds"]}
    best_acc, best_epoch, best_state = -math.inf, None, None

    for epoch in range(1, n_epochs + 1):
        start = time.perf_counter()
        batches = train_loader
        if progress:
            name = f"epoch {epoch}/{n_epochs}"
            batches = tqdm(train_loader, desc=name, leave=False)
        train = train_epoch(model, batches, loss_fn, optimizer, device)
        val = (math.nan, math.nan)
        if val_loader is not None:
            val = evaluate(model, val_loader, loss_fn, device)
        for key, value in zip(keys, (epoch, *train, *val)):
            history[key].append(value)
        history["seconds"].append(time.perf_counter() - start)
        if keep_best and val_loader is not None and val[1] > best_acc:
            best_acc, best_epoch = val[1], epoch
            best_state = copy.deepcopy(model.state_dict())
        if scheduler is not None:
            scheduler.step()
        if log is not None:
            line = f"epoch {epoch}/{n_epochs}  train loss {train[0]:.4f} "
            line += f"acc {train[1]:.4f}"
            if val_loader is not None:
                line += f" | val loss {val[0]:.4f} acc {val[1]:.4f}"
            log(line + f" ({history['seconds'][-1]:.1f} s)")
    if best_state is not None and best_epoch != n_epochs:
        model.load_state_dict(best_state)
        if log is not None:
            log(
                f"kept the weights of epoch {best_epoch}, the best on "
                f"validation (val acc {best_acc:.4f})"
            )
    return history


def predict(model: nn.Module, data, device=None):
    """Predicted classes of a batch ``[N, ...]``, or ``(predictions,
    targets)`` over a ``DataLoader``, on the CPU (chapter 4)."""
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            if torch.is_tensor(data):
                return model(data.to(device)).argmax(dim=1).cpu()
            preds, targets = [], []
            for x, y in data:
                preds.append(model(x.to(device)).argmax(dim=1).cpu())
                targets.append(torch.as_tensor(y).cpu())
            return torch.cat(preds), torch.cat(targets)
    finally:
        model.train(was_training)


def confusion_matrix(preds, targets, num_classes: int) -> torch.Tensor:
    """Counts ``[k, k]``, a row per true class, a column per predicted one
    (chapter 4).

    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), 2)
    tensor([[1, 1],
            [0, 1]])
    """
    k, pairs = num_classes, torch.stack([torch.as_tensor(targets), preds])
    if pairs.numel() and not (0 <= pairs.min() and pairs.max() < k):
        raise ValueError(f"class indices must lie in [0, {k})")
    counts = torch.bincount(pairs[0].long() * k + pairs[1], minlength=k * k)
    return counts.reshape(k, k)


def per_class_accuracy(cm: torch.Tensor) -> torch.Tensor:
    """The accuracy of each true class in a confusion matrix (chapter 5)."""
    return cm.double().diagonal() / cm.sum(dim=1)


def spread(values):
    """Mean, lowest and highest of one result over several seeds (chapter 4).

    One training run is one draw: a result is reported over seeds, as its mean
    and its range.

    >>> spread([0.90, 0.92, 0.91])
    (0.91, 0.9, 0.92)
    """
    values = list(values)
    if not values:
        raise ValueError("spread() needs at least one value")
    return sum(values) / len(values), min(values), max(values)


def format_spread(values, spec=".3f"):
    """'mean (lowest–highest)' of a result over seeds, each number formatted
    with ``spec`` (chapter 4).

    >>> format_spread([0.90, 0.92, 0.91], ".1%")
    '91.0% (90.0%–92.0%)'
    """
    mean, low, high = spread(values)
    return f"{mean:{spec}} ({low:{spec}}–{high:{spec}})"


def ranges_overlap(a, b):
    """Whether the ranges over seeds of two results overlap (chapter 4). If
    they do, these seeds cannot tell the two apart; if not, every run of one
    beat every run of the other.

    >>> ranges_overlap([0.90, 0.92], [0.91, 0.95]), ranges_overlap([1], [2])
    (True, False)
    """
    (_, low_a, high_a), (_, low_b, high_b) = spread(a), spread(b)
    return low_a <= high_b and low_b <= high_a


def verdict(a, b, paired=False):
    """The book's rule for results of two models over seeds (chapter 4):
    'higher' if every run of ``a`` beat every run of ``b``, 'lower' if every
    run of ``b`` beat every run of ``a``, otherwise 'cannot tell'. With
    ``paired=True`` (``a[i]`` and ``b[i]`` from the same seed's data), every
    seed's difference ``a[i] - b[i]`` must have the same sign instead.

    >>> verdict([0.91, 0.92], [0.89, 0.90]), verdict([0.9, 0.92], [0.91])
    ('higher', 'cannot tell')
    >>> verdict([0.90, 0.95], [0.89, 0.93], paired=True)
    'higher'
    """
    if paired:
        if len(a) != len(b):
            raise ValueError("paired results need one value per seed each")
        differences = [x - y for x, y in zip(a, b)]
        if all(d > 0 for d in differences):
            return "higher"
        return "lower" if all(d < 0 for d in differences) else "cannot tell"
    if not ranges_overlap(a, b):
        return "higher" if min(a) > max(b) else "lower"
    return "cannot tell"


def false_alarm(n_seeds, paired=False):
    """How often the book's rule (chapter 4) calls two equally good models
    different, with ``n_seeds`` runs of each: 2 of the C(2n, n) ways to deal
    2n runs into two groups of n separate them completely; with
    ``paired=True``, 2 of the 2**n sign patterns of n differences are all
    alike.

    >>> false_alarm(3), false_alarm(3, paired=True)
    (0.1, 0.25)
    """
    if paired:
        return 2 / 2**n_seeds
    return 2 / math.comb(2 * n_seeds, n_seeds)
