"""benchmarks/tensor_loader.py: decodes once, yields what a DataLoader
yields, shuffles reproducibly."""

import importlib.util
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from helpers.train import fit

SCRIPT = (
    Path(__file__).resolve().parent.parent / "benchmarks" / "tensor_loader.py"
)
_spec = importlib.util.spec_from_file_location(
    "benchmarks_tensor_loader", SCRIPT
)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
tensor_loader = _module.tensor_loader


class CountingDataset(Dataset):
    """``n`` small images whose pixels encode their index, counting how often
    items are read."""

    def __init__(self, n: int = 10, shape=(1, 4, 4)):
        self.images = (
            torch.arange(n, dtype=torch.float32)
            .view(n, 1, 1, 1)
            .expand(n, *shape)
            .clone()
        )
        self.labels = [i % 3 for i in range(n)]
        self.reads = 0

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        self.reads += 1
        return self.images[i] / 10, self.labels[
            i
        ]  # a deterministic "transform"


def epoch(loader):
    xs, ys = zip(*loader)
    return torch.cat(xs), torch.cat(ys)


def test_items_are_decoded_exactly_once():
    ds = CountingDataset(10)
    loader = tensor_loader(ds, batch_size=4, shuffle=True, device="cpu")
    for _ in range(3):
        epoch(loader)
    assert ds.reads == 10


def test_unshuffled_batches_equal_a_dataloaders():
    ds = CountingDataset(10)
    ours, theirs = (
        list(tensor_loader(ds, batch_size=4, device="cpu")),
        list(DataLoader(ds, batch_size=4)),
    )
    assert [len(y) for _, y in ours] == [4, 4, 2] and len(ours) == len(theirs)
    for (x1, y1), (x2, y2) in zip(ours, theirs):
        assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert ours[0][1].dtype == torch.long and ours[0][0].device.type == "cpu"


def test_length_and_drop_last():
    ds = CountingDataset(10)
    assert len(tensor_loader(ds, batch_size=4, device="cpu")) == 3
    dropped = tensor_loader(
        ds, batch_size=4, shuffle=True, drop_last=True, device="cpu"
    )
    assert len(dropped) == 2 and [len(y) for _, y in dropped] == [4, 4]
    assert len(tensor_loader(ds, batch_size=4, device="cpu").dataset) == 10


def test_shuffle_is_a_fresh_permutation_each_epoch_and_seeded():
    ds = CountingDataset(50)
    a, b = (
        tensor_loader(ds, batch_size=8, shuffle=True, device="cpu", seed=3)
        for _ in range(2)
    )
    orders = []
    for _ in range(2):
        x, y = epoch(a)
        index = (x[:, 0, 0, 0] * 10).round().long()
        assert sorted(index.tolist()) == list(range(50))  # every item once
        assert torch.equal(
            y, torch.tensor(ds.labels)[index]
        )  # labels stay with their images
        orders.append(index)
        assert torch.equal(x, epoch(b)[0])  # same seed, same order
    assert not torch.equal(orders[0], orders[1])
    c = tensor_loader(ds, batch_size=8, shuffle=True, device="cpu", seed=4)
    assert not torch.equal(
        epoch(c)[0], epoch(tensor_loader(ds, 8, True, device="cpu", seed=3))[0]
    )


def test_transform_runs_on_every_batch_and_leaves_the_stored_images_alone():
    ds = CountingDataset(10)
    loader = tensor_loader(
        ds, batch_size=4, device="cpu", transform=lambda x: x + 100
    )
    x, _ = epoch(loader)
    assert torch.allclose(x, torch.stack([ds[i][0] for i in range(10)]) + 100)
    assert torch.allclose(epoch(loader)[0], x)  # not applied twice


def test_bad_arguments():
    with pytest.raises(ValueError):
        tensor_loader(CountingDataset(4), batch_size=0, device="cpu")
    with pytest.raises(ValueError):
        tensor_loader(CountingDataset(0), batch_size=2, device="cpu")


def test_fit_trains_from_a_tensor_loader():
    torch.manual_seed(0)
    loader = tensor_loader(
        CountingDataset(24), batch_size=8, shuffle=True, device="cpu"
    )
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    history = fit(
        model, loader, loader, epochs=1, device="cpu", progress=False, log=None
    )
    assert history["epoch"] == [1] and 0 <= history["val_acc"][0] <= 1
