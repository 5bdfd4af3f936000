"""helpers.train: correct averaging over a partial last batch, quick-mode
epochs, modes restored, and training that goes wrong says so (NaN loss,
interruption, an empty loader)."""

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from helpers.train import (
    confusion_matrix,
    evaluate,
    fit,
    per_class_accuracy,
    predict,
    train_epoch,
)

CE = nn.CrossEntropyLoss()


def quiet_fit(model, loader, *args, **kwargs):
    """``fit`` on the CPU with no progress bar and no printed lines."""
    return fit(
        model, loader, *args, progress=False, log=None, device="cpu", **kwargs
    )


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
