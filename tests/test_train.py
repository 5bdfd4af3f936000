"""helpers.train: correct averaging over a partial last batch, quick-mode epochs, modes restored."""

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from helpers.train import confusion_matrix, evaluate, fit, per_class_accuracy, predict


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
    loader = DataLoader(TensorDataset(x, y), batch_size=3)  # batches of 3, 3 and 1
    loss, acc = evaluate(model, loader)
    with torch.no_grad():
        logits = model(x)
    assert loss == pytest.approx(nn.functional.cross_entropy(logits, y).item(), rel=1e-6)
    assert acc == pytest.approx((logits.argmax(1) == y).float().mean().item())
    # the seed's averaging (mean of batch means, or a denominator of batches * batch_size) differs
    batch_means = [nn.functional.cross_entropy(model(xb), yb).item() for xb, yb in loader]
    assert abs(sum(batch_means) / len(batch_means) - loss) > 1e-3


def test_fit_history_and_training_loss_match_a_manual_pass(data, monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "0")
    x, y = data
    model = fixed_model()
    loader = DataLoader(TensorDataset(x, y), batch_size=3)
    with torch.no_grad():
        expected = nn.functional.cross_entropy(model(x), y).item()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)  # no update: the training loss is the data's mean loss
    history = fit(model, loader, loader, epochs=2, optimizer=opt, progress=False, log=None, device="cpu")
    assert history["epoch"] == [1, 2]
    assert set(history) == {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds"}
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
    history = fit(model, loader, loader, epochs=5, progress=False, log=lines.append, device="cpu",
                  optimizer=torch.optim.Adam(model.parameters(), lr=1e-2))
    assert len(lines) == 5 and lines[0].startswith("epoch 1/5")
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["val_acc"][-1] > 0.9


def test_fit_caps_epochs_in_quick_mode(data, monkeypatch):
    monkeypatch.setenv("CNN_BOOK_QUICK", "1")
    x, y = data
    history = fit(fixed_model(), DataLoader(TensorDataset(x, y), batch_size=4), epochs=10,
                  progress=False, log=None, device="cpu")
    assert history["epoch"] == [1]
    assert math.isnan(history["val_loss"][0])  # no validation loader


def test_fit_rejects_an_empty_loader_and_zero_epochs(data):
    empty = DataLoader(TensorDataset(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long)), batch_size=2)
    with pytest.raises(ValueError, match="no samples"):
        fit(fixed_model(), empty, epochs=1, progress=False, log=None, device="cpu")
    with pytest.raises(ValueError, match="epochs"):
        fit(fixed_model(), empty, epochs=0, progress=False, log=None, device="cpu")


def test_wrong_input_shape_is_an_error_naming_the_shapes(data):
    x, y = data
    loader = DataLoader(TensorDataset(torch.zeros(4, 5), y[:4]), batch_size=2)
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        fit(fixed_model(), loader, epochs=1, progress=False, log=None, device="cpu")


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
    with pytest.raises(ValueError, match="batch"):
        predict(model, torch.zeros(4))


def test_confusion_matrix_and_per_class_accuracy():
    preds = torch.tensor([0, 1, 1, 2, 2, 2])
    targets = torch.tensor([0, 1, 2, 2, 2, 0])
    cm = confusion_matrix(preds, targets, 3)
    assert cm.tolist() == [[1, 0, 1], [0, 1, 0], [0, 1, 2]]
    assert per_class_accuracy(cm).tolist() == pytest.approx([0.5, 1.0, 2 / 3])
    with pytest.raises(ValueError, match="differ in length"):
        confusion_matrix(preds, targets[:3], 3)
    with pytest.raises(ValueError, match="class indices"):
        confusion_matrix(preds, targets, 2)
