"""A tensor-resident loader: the fast path for small datasets that the
benchmarks compare with a ``DataLoader`` (book appendix, "Data pipeline").

It decodes a dataset once into two tensors on one device and then only slices
them, so an epoch costs almost nothing to load. The book's chapters keep the
ordinary ``DataLoader``, as almost all PyTorch code does; this file lives with
the benchmarks, its only users.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch.utils.data import DataLoader, Dataset

from helpers import get_device


class TensorLoader:
    """Batches of a dataset held whole as two tensors on one device; made by
    :func:`tensor_loader`.

    Iterating yields ``(x, y)`` batches as a ``DataLoader`` does, already on
    the device. With ``shuffle=True`` each pass draws a new order from the
    loader's own seeded generator.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        batch_size: int,
        shuffle: bool,
        transform: Callable[[torch.Tensor], torch.Tensor] | None,
        seed: int,
        drop_last: bool,
    ):
        self.images, self.labels = images, labels
        self.batch_size, self.shuffle = batch_size, shuffle
        self.transform, self.drop_last = transform, drop_last
        # so that len(loader.dataset) works
        self.dataset = torch.utils.data.TensorDataset(images, labels)
        # as DataLoader.generator
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        n = len(self.labels)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def __iter__(self):
        n, b = len(self.labels), self.batch_size
        order = None
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator)
            order = order.to(self.labels.device)
        for start in range(0, len(self) * b, b):
            if order is None:
                x = self.images[start : start + b]
                y = self.labels[start : start + b]
            else:  # index_select copies the rows: faster than fancy indexing
                part = order[start : start + b]
                x = self.images.index_select(0, part)
                y = self.labels.index_select(0, part)
            if self.transform is not None:
                x = self.transform(x)
            yield x, y


def tensor_loader(
    dataset: Dataset,
    batch_size: int = 64,
    shuffle: bool = False,
    *,
    device: torch.device | str | None = None,
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    seed: int = 0,
    drop_last: bool = False,
) -> TensorLoader:
    """A loader that decodes ``dataset`` once into tensors on ``device`` and
    then only slices them.

    Each item passes through the dataset's own transform exactly once, here,
    so that transform must be deterministic (``ToTensor``, ``Normalize``):
    random augmentation belongs in ``transform``, a function
    ``[B, C, H, W] -> [B, C, H, W]`` applied to every batch on the device,
    which must return a new tensor rather than change its input in place (an
    unshuffled batch is a view of the stored images).

    Items must be ``(image, label)`` pairs of equal image shape. Memory: the
    whole dataset as float32, e.g. 188 MB for Fashion-MNIST's 60,000 training
    images. Quick mode is the caller's business (pass a subset). ``device``
    defaults to :func:`helpers.get_device`.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    n = len(dataset)
    if n == 0:
        raise ValueError("the dataset is empty")
    device = torch.device(device) if device is not None else get_device()
    images = labels = None
    done = 0
    for x, y in DataLoader(dataset, batch_size=min(n, 1024), shuffle=False):
        if images is None:  # allocate once, from the first batch's shape
            images = torch.empty((n, *x.shape[1:]), dtype=x.dtype)
            labels = torch.empty(n, dtype=torch.long)
        images[done : done + len(x)] = x
        labels[done : done + len(x)] = torch.as_tensor(y)
        done += len(x)
    return TensorLoader(
        images.to(device),
        labels.to(device),
        batch_size,
        shuffle,
        transform,
        seed,
        drop_last,
    )
