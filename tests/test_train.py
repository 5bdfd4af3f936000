"""helpers.train: correct averaging over a partial last batch, quick-mode
epochs, modes restored, and training that goes wrong says so (NaN loss,
interruption, an empty loader)."""

import itertools
import math
import time

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import helpers.train
from helpers.train import (
    confusion_matrix,
    evaluate,
    false_alarm,
    fit,
    format_spread,
    per_class_accuracy,
    predict,
    ranges_overlap,
    spread,
    train_epoch,
    verdict,
)

CE = nn.CrossEntropyLoss()


def quiet_fit(model, loader, *args, **kwargs):
    """``fit`` (on the CPU unless told) with no progress bar and no printed
    lines."""
    kwargs.setdefault("device", "cpu")
    return fit(model, loader, *args, progress=False, log=None, **kwargs)


def fixed_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3))


@pytest.fixture
def data():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(7, 4, generator=g)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0])
    return x, y


def test_evaluate_averages_over_samples_not_batches(data):
    x, y = data
    model = fixed_model()
    loader = DataLoader(
        TensorDataset(x, y), batch_size=3
    )  # batches of 3, 3 and 1
    loss, acc = evaluate(model, loader, CE, "cpu")
    with torch.no_grad():
        logits = model(x)
    assert loss == pytest.approx(
        nn.functional.cross_entropy(logits, y).item(), rel=1e-6
    )
    assert acc == pytest.approx((logits.argmax(1) == y).float().mean().item())
    # the seed's averaging (mean of batch means, or a denominator of
    # batches * batch_size) differs
    batch_means = [
        nn.functional.cross_entropy(model(xb), yb).item() for xb, yb in loader
    ]
    assert abs(sum(batch_means) / len(batch_means) - loss) > 1e-3


def test_fit_history_and_training_loss_match_a_manual_pass(data, monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    x, y = data
    model = fixed_model()
    loader = DataLoader(TensorDataset(x, y), batch_size=3)
    with torch.no_grad():
        expected = nn.functional.cross_entropy(model(x), y).item()
    opt = torch.optim.SGD(
        model.parameters(), lr=0.0
    )  # no update: the training loss is the data's mean loss
    history = quiet_fit(
        model,
        loader,
        loader,
        epochs=2,
        optimizer=opt,
    )
    assert history["epoch"] == [1, 2]
    assert set(history) == {
        "epoch",
        "train_loss",
        "train_acc",
        "val_loss",
        "val_acc",
        "seconds",
    }
    assert history["train_loss"][0] == pytest.approx(expected, rel=1e-6)
    assert history["val_loss"][1] == pytest.approx(expected, rel=1e-6)
    # the accuracy too is over images: 1 of the 7 is right
    with torch.no_grad():
        right = (model(x).argmax(1) == y).sum().item()
    assert right == 1
    assert history["train_acc"] == history["val_acc"] == [1 / 7] * 2


def test_fit_learns_and_prints_one_line_per_epoch(monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    torch.manual_seed(0)
    x = torch.randn(256, 2)
    y = (x[:, 0] + x[:, 1] > 0).long()
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    lines = []
    history = fit(
        model,
        loader,
        loader,
        epochs=5,
        progress=False,
        log=lines.append,
        device="cpu",
        optimizer=torch.optim.Adam(model.parameters(), lr=1e-2),
        keep_best=False,
    )
    assert len(lines) == 5 and lines[0].startswith("epoch 1/5")
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["val_acc"][-1] > 0.9


def test_fit_validates_on_the_validation_loader_and_keeps_its_best_epoch(
    monkeypatch,
):
    """The validation set's labels are the training labels flipped: the
    better the model learns the training set, the worse it scores there. So
    fit must report low validation accuracies (it evaluated the validation
    loader, not the training one) and end with the weights of the epoch of
    highest validation accuracy, which is not the last."""
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    torch.manual_seed(0)
    x = torch.randn(256, 2)
    y = (x[:, 0] + x[:, 1] > 0).long()
    train = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    val = DataLoader(TensorDataset(x, 1 - y), batch_size=64)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    lines = []
    history = fit(
        model,
        train,
        val,
        epochs=4,
        progress=False,
        log=lines.append,
        device="cpu",
        optimizer=torch.optim.SGD(model.parameters(), lr=0.05),
    )
    assert history["train_acc"][-1] > 0.8 > 0.2 > history["val_acc"][-1]
    best = max(range(4), key=lambda i: history["val_acc"][i])
    assert best < 3
    _, acc_now = evaluate(model, val, nn.CrossEntropyLoss(), "cpu")
    assert acc_now == history["val_acc"][best]
    assert lines[-1].startswith(f"kept the weights of epoch {best + 1}")


def test_fit_caps_epochs_in_quick_mode(data, monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "1")
    x, y = data
    history = fit(
        fixed_model(),
        DataLoader(TensorDataset(x, y), batch_size=4),
        epochs=10,
        progress=False,
        log=None,
        device="cpu",
    )
    assert history["epoch"] == [1]
    assert math.isnan(history["val_loss"][0])  # no validation loader


def test_fit_rejects_an_empty_loader_and_zero_epochs(data):
    empty = DataLoader(
        TensorDataset(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long)),
        batch_size=2,
    )
    with pytest.raises(ValueError, match="no images"):
        fit(
            fixed_model(),
            empty,
            epochs=1,
            progress=False,
            log=None,
            device="cpu",
        )
    with pytest.raises(ValueError, match="epochs"):
        fit(
            fixed_model(),
            empty,
            epochs=0,
            progress=False,
            log=None,
            device="cpu",
        )


def test_wrong_input_shape_is_an_error_naming_the_shapes(data):
    x, y = data
    loader = DataLoader(TensorDataset(torch.zeros(4, 5), y[:4]), batch_size=2)
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        fit(
            fixed_model(),
            loader,
            epochs=1,
            progress=False,
            log=None,
            device="cpu",
        )


def test_predict_tensor_and_loader_and_restores_mode(data):
    x, y = data
    model = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5))
    model.train()
    preds = predict(model, x)
    assert preds.shape == (7,) and model.training
    with torch.no_grad():
        model.eval()
        assert torch.equal(preds, model(x).argmax(1))
    p, t = predict(model, DataLoader(TensorDataset(x, y), batch_size=3))
    assert torch.equal(p, preds) and torch.equal(t, y)


def test_confusion_matrix_and_per_class_accuracy():
    preds = torch.tensor([0, 1, 1, 2, 2, 2])
    targets = torch.tensor([0, 1, 2, 2, 2, 0])
    cm = confusion_matrix(preds, targets, 3)
    assert cm.tolist() == [[1, 0, 1], [0, 1, 0], [0, 1, 2]]
    assert per_class_accuracy(cm).tolist() == pytest.approx([0.5, 1.0, 2 / 3])
    with pytest.raises(RuntimeError):  # one prediction per target
        confusion_matrix(preds, targets[:3], 3)
    for k in (2, 1):  # a class index outside [0, k) is never counted
        with pytest.raises(ValueError, match="class indices"):
            confusion_matrix(preds, targets, k)


class Recorder(nn.Module):
    """A linear model that records, at every forward pass, whether it was in
    training mode."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(4, 3)
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        return self.linear(x)


def test_fit_trains_in_training_mode_even_for_a_model_left_in_eval(
    data, monkeypatch
):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    x, y = data
    model = Recorder().eval()
    loader = DataLoader(TensorDataset(x, y), batch_size=3)
    fit(
        model, loader, loader, epochs=1, progress=False, log=None, device="cpu"
    )
    assert (
        model.modes == [True] * 3 + [False] * 3
    )  # three training batches, then evaluation
    assert (
        model.training
    )  # evaluate() restored the training mode that train_epoch set


def test_gradients_are_cleared_every_step(data):
    """With lr 0 nothing changes, so every step's gradient must be that
    batch's own gradient."""
    x, y = data
    model = fixed_model()
    seen = []

    class Spy(torch.optim.SGD):
        def step(self, closure=None):
            seen.append(model[0].weight.grad.clone())
            return super().step(closure)

    loader = DataLoader(
        TensorDataset(x, y), batch_size=7
    )  # one batch per epoch
    opt = Spy(model.parameters(), lr=0.0)
    train_epoch(model, loader, CE, opt, "cpu")
    train_epoch(model, loader, CE, opt, "cpu")
    assert torch.allclose(
        seen[0], seen[1]
    )  # not accumulated into twice the gradient


def test_a_scheduler_steps_once_per_finished_epoch(data, monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    x, y = data
    model = fixed_model()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(
        model,
        DataLoader(TensorDataset(x, y), batch_size=2),
        epochs=3,
        optimizer=opt,
        scheduler=scheduler,
        progress=False,
        log=None,
        device="cpu",
    )
    assert opt.param_groups[0]["lr"] == pytest.approx(0.125)


def test_evaluate_restores_the_mode_when_it_raises(data):
    x, y = data
    model = fixed_model().train()
    loader = DataLoader(
        TensorDataset(torch.zeros(4, 5), y[:4]), batch_size=2
    )  # wrong width
    with pytest.raises(RuntimeError):
        evaluate(model, loader, CE, "cpu")
    assert model.training
    model.eval()
    with pytest.raises(ValueError, match="no images"):
        evaluate(
            model,
            DataLoader(
                TensorDataset(
                    torch.zeros(0, 4), torch.zeros(0, dtype=torch.long)
                )
            ),
            CE,
            "cpu",
        )
    assert not model.training


class Traced(torch.Tensor):
    """A batch that notes each device it is moved to, in ``Traced.moves``."""

    moves: list = []

    def to(self, *args, **kwargs):
        Traced.moves.append(str(args[0]))
        return self.as_subclass(torch.Tensor).to(*args, **kwargs)


class Placed(nn.Linear):
    """A linear model that notes each device it is moved to, too."""

    def to(self, *args, **kwargs):
        Traced.moves.append(f"model {args[0]}")
        return super().to(*args, **kwargs)


CPU0 = "cpu:0"  # a CPU device distinct from torch.device('cpu')


def test_every_batch_and_the_model_go_to_the_device_asked_for(
    data, monkeypatch
):
    """fit, train_epoch, evaluate and predict move each batch (images and
    labels) to ``device``; fit moves the model there first. Without a device,
    fit takes get_device()'s and predict the model's own."""
    monkeypatch.setenv("CNN_BOOK_QUICK", "1")
    monkeypatch.setattr(
        helpers.train, "get_device", lambda: torch.device("cpu")
    )
    x, y = data
    batches = [
        (x[:4].as_subclass(Traced), y[:4].as_subclass(Traced)),
        (x[4:].as_subclass(Traced), y[4:].as_subclass(Traced)),
    ]
    torch.manual_seed(0)
    model = Placed(4, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    one = x.as_subclass(Traced)
    runs = [
        (lambda: train_epoch(model, batches, CE, opt, CPU0), [CPU0] * 4),
        (lambda: evaluate(model, batches, CE, CPU0), [CPU0] * 4),
        (lambda: predict(model, batches, CPU0), [CPU0] * 2),  # images only
        (lambda: predict(model, one, CPU0), [CPU0]),
        (lambda: predict(model, one), ["cpu"]),  # the model's device
        (
            lambda: quiet_fit(model, batches, batches, device=CPU0),
            [f"model {CPU0}"] + [CPU0] * 8,  # the model, training, validation
        ),
        (
            lambda: quiet_fit(model, batches, batches, device=None),
            ["model cpu"] + ["cpu"] * 8,  # get_device()'s
        ),
    ]
    for i, (run, expected) in enumerate(runs):
        Traced.moves = []
        run()
        assert Traced.moves == expected, i


def test_fit_defaults_five_epochs_adam_at_1e_3_on_trainable_weights(
    data, monkeypatch
):
    """Without an optimizer fit takes Adam at lr 1e-3, whose first step moves
    every trainable weight by about lr; frozen ones stay; the loss is
    cross-entropy; five epochs unless in quick mode."""
    x, y = data
    loader = DataLoader(TensorDataset(x, y), batch_size=7)  # one step
    model = fixed_model()
    model[0].bias.requires_grad_(False)
    weight, bias = model[0].weight.clone(), model[0].bias.clone()
    monkeypatch.setenv("CNN_BOOK_QUICK", "1")
    history = fit(model, loader, loader, progress=False, log=None)
    assert torch.equal(model[0].bias, bias)
    moved = (model[0].weight - weight).abs()
    assert moved.detach() == pytest.approx(torch.full((3, 4), 1e-3), rel=1e-3)
    with torch.no_grad():
        start = nn.functional.cross_entropy(fixed_model()(x), y).item()
    assert history["train_loss"] == [pytest.approx(start, rel=1e-6)]
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    history = fit(model, loader, progress=False, log=None)
    assert history["epoch"] == [1, 2, 3, 4, 5]
    assert all(len(column) == 5 for column in history.values())


def test_fit_shows_a_bar_per_epoch_that_vanishes_and_times_each_epoch(
    data, capsys, monkeypatch
):
    """By default each epoch has a progress bar naming it, cleared when the
    epoch ends (only the logged lines stay); 'seconds' is each epoch's
    duration."""
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    x, y = data
    loader = DataLoader(TensorDataset(x, y), batch_size=3)
    start = time.perf_counter()
    history = fit(fixed_model(), loader, epochs=2, log=None, device="cpu")
    elapsed = time.perf_counter() - start
    bars = capsys.readouterr().err
    assert "1/2" in bars and "2/2" in bars
    assert "\n" not in bars  # no bar is left behind
    assert 0 < sum(history["seconds"]) <= elapsed


def test_keep_best_keeps_the_first_of_equally_good_epochs(monkeypatch):
    """The validation accuracy never changes here while the weights do: the
    weights kept are the first epoch's."""
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    g = torch.Generator().manual_seed(0)
    train = DataLoader(
        TensorDataset(torch.randn(8, 4, generator=g), torch.arange(8) % 3)
    )
    val = DataLoader(
        TensorDataset(torch.full((1, 4), 50.0), torch.zeros(1).long())
    )
    weights = []
    for epochs in (1, 3):
        model = fixed_model()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        history = quiet_fit(model, train, val, epochs=epochs, optimizer=opt)
        weights.append(model[0].weight.detach().clone())
    assert len(set(history["val_acc"])) == 1
    assert torch.equal(weights[0], weights[1])


def test_each_logged_line_gives_the_epochs_numbers(data, monkeypatch):
    """Every line holds the epoch's number out of how many, its training loss
    and accuracy, and, with a validation loader, its validation loss and
    accuracy (4 decimals)."""
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    x, y = data
    train = DataLoader(TensorDataset(x, y), batch_size=3)
    val = DataLoader(TensorDataset(x[:5], y[:5]))
    for val_loader in (val, None):
        lines = []
        history = fit(
            fixed_model(),
            train,
            val_loader,
            epochs=2,
            progress=False,
            log=lines.append,
            device="cpu",
            keep_best=False,
        )
        assert len(lines) == 2
        for i, line in enumerate(lines):
            assert f"{i + 1}/2" in line
            keys = ["train_loss", "train_acc", "val_loss", "val_acc"]
            numbers = [f"{history[k][i]:.4f}" for k in keys]
            if val_loader is None:  # no validation numbers, not even nan
                numbers = numbers[:2]
                assert "nan" not in line
            assert len(set(numbers)) == len(numbers)
            shown = [n for n in numbers if n in line]
            assert shown == numbers, line


def test_a_class_never_seen_still_has_its_row_and_column():
    cm = confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 0]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 0]]


def test_spread_and_its_format_give_mean_lowest_and_highest():
    assert spread([0.5, 0.9, 0.7, 0.6]) == pytest.approx((0.675, 0.5, 0.9))
    assert spread(iter([3])) == (3, 3, 3)  # any iterable
    with pytest.raises(ValueError):
        spread([])
    assert format_spread([0.5, 0.9, 0.7, 0.6]) == "0.675 (0.500–0.900)"
    assert format_spread([0.5, 0.9], ".0%") == "70% (50%–90%)"
    # a run that diverged shows as Python prints it
    assert format_spread([math.inf]) == "inf (inf–inf)"


@pytest.mark.parametrize(
    "a, b, paired, expected",
    [
        ([0.91, 0.92], [0.89, 0.90], False, "higher"),
        ([0.89, 0.90], [0.91, 0.92], False, "lower"),
        ([0.90, 0.92], [0.92, 0.95], False, "cannot tell"),  # touching
        ([0.92, 0.95], [0.90, 0.92], False, "cannot tell"),
        ([0.5], [0.5], False, "cannot tell"),
        ([0.90, 0.95], [0.89, 0.93], True, "higher"),
        ([0.89, 0.93], [0.90, 0.95], True, "lower"),
        ([0.90, 0.95], [0.90, 0.93], True, "cannot tell"),  # a tie
        ([0.90, 0.93], [0.90, 0.95], True, "cannot tell"),
        ([0.90, 0.95], [0.91, 0.93], True, "cannot tell"),
    ],
)
def test_verdict_and_ranges_overlap_at_their_boundaries(
    a, b, paired, expected
):
    assert verdict(a, b, paired=paired) == expected
    if not paired:
        assert ranges_overlap(a, b) == ranges_overlap(b, a)
        assert ranges_overlap(a, b) == (expected == "cannot tell")


def test_paired_verdict_needs_a_value_per_seed_on_each_side():
    with pytest.raises(ValueError):
        verdict([0.9, 0.91], [0.8], paired=True)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_false_alarm_is_how_often_the_rule_separates_equal_models(n):
    """Over every way to deal 2n different results into two groups of n (or
    every sign pattern of n paired differences), the share that verdict calls
    'higher' or 'lower'."""
    deals = [
        (list(a), [r for r in range(2 * n) if r not in a])
        for a in itertools.combinations(range(2 * n), n)
    ]
    told = [verdict(a, b) != "cannot tell" for a, b in deals]
    assert false_alarm(n) == pytest.approx(sum(told) / len(told))
    signs = list(itertools.product([1, -1], repeat=n))
    told = [verdict(s, [0] * n, paired=True) != "cannot tell" for s in signs]
    assert false_alarm(n, paired=True) == pytest.approx(sum(told) / len(told))
