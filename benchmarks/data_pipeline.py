"""Benchmark 3: a DataLoader with per-item PIL transforms against a
tensor-resident loader.

The usual pipeline (what ``helpers.data`` builds) turns every image into a PIL
image and back into a tensor, one item at a time, every epoch, then collates
the items into a batch and copies it to the device. ``tensor_loader.py`` runs
the dataset's transform once, keeps the whole dataset as one tensor on the
device and slices batches out of it; random augmentation then runs on whole
batches on the device. For each dataset both are timed over one epoch of
loading alone and of loading plus training a LeNet, in alternating order, best
of ``--rounds``.

    python benchmarks/data_pipeline.py                # Fashion-MNIST, CIFAR-10
    python benchmarks/data_pipeline.py --device cuda
    python benchmarks/data_pipeline.py --workers 2    # 2 worker processes
    python benchmarks/data_pipeline.py --quick        # smoke run

Offline, CIFAR-10 is the book's stand-in (Fashion-MNIST painted into 3x32x32
images): it is stored and decoded exactly like CIFAR-10 (uint8 arrays -> PIL ->
tensor), so the timing is representative.
"""

from __future__ import annotations

import contextlib
import io

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from torchvision import transforms

import common
from helpers import set_seed
from helpers.data import cifar10_datasets, fashion_mnist_datasets, subset
from models import seed_lenet
from tensor_loader import tensor_loader


def random_crop_flip(x: torch.Tensor, padding: int = 4) -> torch.Tensor:
    """Batched ``RandomCrop(size, padding)`` + ``RandomHorizontalFlip()``: a
    different random crop offset and flip for every image of ``x`` [B, C, H,
    W], computed on x's device in one gather."""
    b, c, h, w = x.shape
    padded = F.pad(x, (padding,) * 4)
    dy = torch.randint(0, 2 * padding + 1, (b, 1), device=x.device)
    dx = torch.randint(0, 2 * padding + 1, (b, 1), device=x.device)
    rows = dy + torch.arange(h, device=x.device)  # [B, H]
    cols = dx + torch.arange(w, device=x.device)  # [B, W]
    flip = torch.rand(b, 1, device=x.device) < 0.5
    cols = torch.where(flip, cols.flip(1), cols)
    batch_index = torch.arange(b, device=x.device)[:, None, None, None]
    channel_index = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[
        batch_index,
        channel_index,
        rows[:, None, :, None],
        cols[:, None, None, :],
    ]


def cases(names: list[str], images: int, seed: int):
    """(label, dataset for the DataLoader, dataset for tensor_loader, batch
    transform, model factory)."""
    # the data-source lines are printed once below
    quiet = contextlib.redirect_stdout(io.StringIO())
    for name in names:
        if name == "fashion_mnist":
            train, _, _, _ = fashion_mnist_datasets()
            ds = subset(train, images, seed)
            yield (
                "Fashion-MNIST",
                ds,
                ds,
                None,
                lambda: seed_lenet(1, 28),
            )
        elif name in ("cifar10", "cifar10_augment"):
            with quiet:
                plain, _, _, source = cifar10_datasets()
            if name == "cifar10" or "cifar10" not in names:  # say it once
                what = (
                    "stand-in (Tinted Fashion-MNIST)"
                    if source.is_standin
                    else "real data"
                )
                print(f"CIFAR-10: {what}")
            ds_plain = subset(plain, images, seed)
            cifar = "CIFAR-10 stand-in" if source.is_standin else "CIFAR-10"
            if name == "cifar10":
                yield (
                    cifar,
                    ds_plain,
                    ds_plain,
                    None,
                    lambda: seed_lenet(3, 32),
                )
            else:
                augment = transforms.Compose(
                    [
                        transforms.RandomCrop(32, padding=4),
                        transforms.RandomHorizontalFlip(),
                        transforms.ToTensor(),
                    ]
                )
                with quiet:
                    aug, _, _, _ = cifar10_datasets(train_transform=augment)
                yield (
                    f"{cifar} with random crop and flip",
                    subset(aug, images, seed),
                    ds_plain,
                    random_crop_flip,
                    lambda: seed_lenet(3, 32),
                )
        else:
            raise SystemExit(f"unknown dataset {name!r}")


def measure(args, device, ds_loader, ds_tensor, batch_transform, make_model):
    """Seconds of each pipeline per round (loading alone, loading and
    training), and the tensor loader's one-time decoding seconds."""
    set_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    slow = DataLoader(
        ds_loader,
        args.batch_size,
        shuffle=True,
        generator=generator,
        num_workers=args.workers,
        pin_memory=device.type == "cuda",
        persistent_workers=args.workers > 0,
    )
    # the tensor loader, built inside the timer: decoding is its one-time
    # cost
    holder = {}

    def build():
        holder["fast"] = tensor_loader(
            ds_tensor,
            args.batch_size,
            shuffle=True,
            device=device,
            transform=batch_transform,
            seed=args.seed,
        )

    decode = common.timed(build, device)
    fast = holder["fast"]

    def load_epoch(loader):
        def run():
            for x, y in loader:
                x, y = (
                    x.to(device, non_blocking=True),
                    y.to(device, non_blocking=True),
                )

        return run

    model = make_model().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()

    def train_epoch(loader):
        def run():
            model.train()
            for x, y in loader:
                x, y = (
                    x.to(device, non_blocking=True),
                    y.to(device, non_blocking=True),
                )
                loss = loss_fn(model(x), y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()

        return run

    times = common.interleaved(
        {
            "DataLoader load": load_epoch(slow),
            "tensor load": load_epoch(fast),
            "DataLoader train": train_epoch(slow),
            "tensor train": train_epoch(fast),
        },
        args.rounds,
        device,
        warmup=True,
    )
    return times, decode


def main():
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument(
        "--datasets",
        nargs="+",
        default=["fashion_mnist", "cifar10", "cifar10_augment"],
        choices=["fashion_mnist", "cifar10", "cifar10_augment"],
    )
    p.add_argument(
        "--images",
        type=int,
        default=5000,
        help="training images per epoch (a fixed subset)",
    )
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        help="DataLoader worker processes (helpers use 0)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="timed rounds per pipeline (order alternates)",
    )
    args = p.parse_args()
    if args.quick:
        args.images, args.rounds = 1000, 1
    device = common.resolve_device(args.device, args.threads)
    facts = common.header(
        "Data pipeline: per-item PIL DataLoader against a tensor-resident "
        "loader",
        device,
    )

    loading, training, results, values = [], [], {}, {}
    for label, ds_loader, ds_tensor, batch_transform, make_model in cases(
        args.datasets, args.images, args.seed
    ):
        times, decode = measure(
            args, device, ds_loader, ds_tensor, batch_transform, make_model
        )
        n = len(ds_loader)
        speed = {k: n / min(v) for k, v in times.items()}
        load_ratio = speed["tensor load"] / speed["DataLoader load"]
        train_ratio = speed["tensor train"] / speed["DataLoader train"]
        saved = min(times["DataLoader train"]) - min(times["tensor train"])
        loading.append(
            [
                label,
                f"{speed['DataLoader load']:,.0f} img/s",
                f"{speed['tensor load']:,.0f} img/s",
                f"{load_ratio:.1f}×",
            ]
        )
        training.append(
            [
                label,
                f"{speed['DataLoader train']:,.0f} img/s",
                f"{speed['tensor train']:,.0f} img/s",
                f"{train_ratio:.2f}×",
                f"{decode:.1f} s",
                f"{decode / saved:.1f} epochs" if saved > 0 else "never",
            ]
        )
        results[label] = {
            "images": n,
            "seconds": times,
            "images_per_s_best": speed,
            "decode_once_s": decode,
            "load_ratio": load_ratio,
            "train_ratio": train_ratio,
        }
    plain = [r for k, r in results.items() if "crop" not in k]
    augmented = [r for k, r in results.items() if "crop" in k]
    if plain:
        ratios = [r["load_ratio"] for r in plain]
        values["load_ratio_plain"] = f"{min(ratios):.0f} to {max(ratios):.0f}"
    if augmented:
        values["load_ratio_augment"] = f"{augmented[0]['load_ratio']:.1f}"
    ratios = [r["train_ratio"] for r in results.values()]
    values["train_ratio_range"] = f"{min(ratios):.1f} to {max(ratios):.1f}"
    values["images"] = f"{args.images:,}"
    values["rounds"] = str(args.rounds)

    print(
        f"\n{args.images:,} images per epoch, batch {args.batch_size}, "
        f"DataLoader with {args.workers} workers, best of {args.rounds} "
        "rounds (order alternating); training = seed LeNet, Adam\n"
    )
    tables = {
        "loading": (["dataset", "DataLoader", "in memory", "ratio"], loading),
        "training": (
            [
                "dataset",
                "DataLoader",
                "in memory",
                "ratio",
                "decode once",
                "pays off after",
            ],
            training,
        ),
    }
    for title, (headers, rows) in tables.items():
        print(f"{title}:\n\n{common.table(headers, rows)}\n")
    common.save(args, facts, tables, values, results)


if __name__ == "__main__":
    main()
