"""Benchmark 5: test accuracy against seconds of training, for the LeNet
variants on Fashion-MNIST.

Each variant trains with the seed's recipe (Adam, lr 0.01, batch 64, 5 epochs)
through ``helpers.train.fit``, one epoch at a time; after every epoch the whole
test set is evaluated (not counted in the training seconds), or, with ``--val
5000``, the validation split of chapter 4 (the training set split by
``random_split`` with generator seed 0; training uses the other 55,000). The
seed article reports test accuracy 0.874 after 5 epochs for its sigmoid LeNet
on a GPU.

    python benchmarks/lenet_accuracy_time.py     # seed and modern LeNet
    python benchmarks/lenet_accuracy_time.py --models seed relu modern
    python benchmarks/lenet_accuracy_time.py --models seed --seeds 0 1 2
    python benchmarks/lenet_accuracy_time.py --models seed --val 5000
    python benchmarks/lenet_accuracy_time.py --loader tensor
    python benchmarks/lenet_accuracy_time.py --models modern --schedule cosine
    python benchmarks/lenet_accuracy_time.py --device cuda
    python benchmarks/lenet_accuracy_time.py --quick             # smoke run

Variants: ``seed`` (sigmoid, as in the seed article), ``relu`` (ReLU instead of
sigmoid), ``modern`` (ReLU + batch normalisation; max-pooling in all three).
"""

from __future__ import annotations

import hashlib
import statistics
import time

import torch
from torch.utils.data import DataLoader, random_split

import common
from helpers import set_seed
from helpers.data import fashion_mnist_datasets, subset
from helpers.train import evaluate, fit
from models import MODELS
from tensor_loader import tensor_loader

# Test accuracy after each of its 5 epochs, as printed by the seed article
# (source article 001, on a GPU).
SEED_ARTICLE = [0.799, 0.855, 0.858, 0.875, 0.874]
LABELS = {
    "seed": "seed (sigmoid)",
    "relu": "relu",
    "modern": "modern (ReLU + BatchNorm)",
}
STUCK = 0.2  # below this after the last epoch, a run has not learned


def main():
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument(
        "--models",
        nargs="+",
        choices=sorted(MODELS),
        default=["seed", "modern"],
    )
    p.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=None,
        help="train each model once per seed (initial weights and data "
        "order); default: --seed",
    )
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument(
        "--lr",
        type=float,
        default=0.01,
        help="Adam's learning rate (the seed's is 0.01)",
    )
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument(
        "--val",
        type=int,
        default=0,
        help="carve this many validation images out of the training set as "
        "chapter 4 does, train on the rest and evaluate the validation "
        "images after each epoch (default 0: all training images, and the "
        "test set)",
    )
    p.add_argument(
        "--train-images",
        type=int,
        default=None,
        help="a fixed subset (default: all 60,000)",
    )
    p.add_argument(
        "--schedule",
        nargs="+",
        choices=["constant", "cosine"],
        default=["constant"],
        help="the learning rate: constant, or decaying along a cosine over "
        "the epochs (CosineAnnealingLR); several: one run of each",
    )
    p.add_argument(
        "--loader",
        choices=["dataloader", "tensor"],
        default="dataloader",
        help="dataloader: a DataLoader over the dataset (PIL per item); "
        "tensor: tensor_loader.py",
    )
    args = p.parse_args()
    if args.quick:
        args.epochs, args.train_images = 2, 3000
    device = common.resolve_device(args.device, args.threads)
    facts = common.header(
        "Accuracy per second of training: LeNet variants on Fashion-MNIST",
        device,
    )

    train, test, _, _ = fashion_mnist_datasets()
    if args.val:  # chapter 4's split; "test" is then the validation set
        train, test = random_split(
            train,
            [len(train) - args.val, args.val],
            generator=torch.Generator().manual_seed(0),
        )
    split = "validation" if args.val else "test"
    if args.train_images:
        train = subset(train, args.train_images, args.seed)
    if args.loader == "tensor":
        train_loader = tensor_loader(
            train, args.batch_size, shuffle=True, device=device, seed=args.seed
        )
        test_loader = tensor_loader(test, 1000, device=device)
    else:
        train_loader = DataLoader(
            train,
            args.batch_size,
            shuffle=True,
            generator=torch.Generator().manual_seed(args.seed),
        )
        test_loader = DataLoader(test, batch_size=1000)

    seeds = args.seeds or [args.seed]
    combos = [(m, sch) for m in args.models for sch in args.schedule]
    results = {}
    for (name, schedule), seed in ((c, s) for c in combos for s in seeds):
        set_seed(seed)
        # the data order, too, follows the seed
        train_loader.generator.manual_seed(seed)
        model = MODELS[name]().to(device)
        # the same fingerprint of the initial weights as chapter 4 prints
        digest = hashlib.sha256()
        for p in model.parameters():
            digest.update(p.detach().cpu().contiguous().numpy().tobytes())
        weights = digest.hexdigest()[:8]
        print(f"{name} (seed {seed}): initial weights {weights}")
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        scheduler = None
        if schedule == "cosine":
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
                optimizer, T_max=args.epochs
            )
        seconds, curve = 0.0, []
        for epoch in range(1, args.epochs + 1):
            common.sync(device)
            start = time.perf_counter()
            fit(
                model,
                train_loader,
                None,
                epochs=1,
                optimizer=optimizer,
                scheduler=scheduler,
                device=device,
                progress=False,
                log=None,
            )
            common.sync(device)
            seconds += time.perf_counter() - start
            _, acc = evaluate(
                model, test_loader, torch.nn.CrossEntropyLoss(), device
            )
            curve.append(
                {
                    "epoch": epoch,
                    "train_seconds": seconds,
                    "accuracy": acc,
                }
            )
            print(
                f"{name}, {schedule} (seed {seed}): epoch {epoch}  "
                f"{seconds:.1f} s of training  {split} accuracy {acc:.4f}",
                flush=True,
            )
        results[f"{name}, {schedule}, seed {seed}"] = curve

    print(
        f"\n{len(train):,} training images, {len(test):,} {split} images, "
        f"batch {args.batch_size}, Adam lr {args.lr}, "
        f"loader: {args.loader}\n"
    )
    tables, values = summarise(results, combos, seeds, args.epochs)
    for title, (headers, rows) in tables.items():
        print(f"{title}:\n\n{common.table(headers, rows)}\n")
    common.save(args, facts, tables, values, results)


def summarise(results: dict, combos: list, seeds: list, epochs: int):
    """The tables the book shows, and the numbers its prose quotes."""
    epoch_names = [f"epoch {e}" for e in range(1, epochs + 1)]

    def label(model, schedule):
        return LABELS[model] + (", cosine" if schedule == "cosine" else "")

    def column(model, schedule):  # one model, several schedules: the schedule
        one_model = len({m for m, _ in combos}) == 1
        return schedule if one_model else label(model, schedule)

    def curve(model, schedule, seed):
        return results[f"{model}, {schedule}, seed {seed}"]

    # accuracy and cumulative seconds after every epoch, one row per run
    curves = [
        [label(m, sch), seed]
        + [
            f"{c['accuracy']:.4f} ({c['train_seconds']:.1f} s)"
            for c in curve(m, sch, seed)
        ]
        for m, sch in combos
        for seed in seeds
    ]
    if epochs == len(SEED_ARTICLE):
        curves.append(["the seed article (GPU)", ""] + SEED_ARTICLE)
    # accuracy only, one row per seed (and variant)
    several = len(combos) > 1
    accuracy = [
        ([label(m, sch)] if several else [])
        + [seed]
        + [f"{c['accuracy']:.4f}" for c in curve(m, sch, seed)]
        for m, sch in combos
        for seed in seeds
    ]
    # first and last epoch of every variant side by side, one row per seed
    first_last = [
        [seed]
        + [
            f"{curve(m, sch, seed)[i]['accuracy']:.4f}"
            for m, sch in combos
            for i in (0, -1)
        ]
        for seed in seeds
    ]
    tables = {
        "curves": (["variant", "random seed", *epoch_names], curves),
        "accuracy": (
            (["variant"] if several else []) + ["random seed", *epoch_names],
            accuracy,
        ),
        "first_last": (
            ["random seed"]
            + [
                f"{column(m, sch)}, {e}"
                for m, sch in combos
                for e in (epoch_names[0], epoch_names[-1])
            ],
            first_last,
        ),
    }

    values = {}
    for m, sch in combos:
        key = f"{m}_{sch}"
        runs = [curve(m, sch, seed) for seed in seeds]
        last = [r[-1]["accuracy"] for r in runs]
        first = [r[0]["accuracy"] for r in runs]
        learned = [a for a in last if a >= STUCK]
        stuck = [str(s) for s, a in zip(seeds, last) if a < STUCK]
        epoch_s = [r[-1]["train_seconds"] / epochs for r in runs]
        values[f"{key}_stuck"] = str(len(stuck))
        values[f"{key}_stuck_seeds"] = ", ".join(stuck) or "none"
        values[f"{key}_learned"] = str(len(learned))
        values[f"{key}_seconds_per_epoch"] = (
            f"{statistics.median(epoch_s):.1f}"
        )
        for name, xs in (("last", learned), ("first", first)):
            if xs:
                values[f"{key}_{name}_min"] = f"{min(xs):.3f}"
                values[f"{key}_{name}_max"] = f"{max(xs):.3f}"
                values[f"{key}_{name}_median"] = f"{statistics.median(xs):.3f}"
        for seed, r in zip(seeds, runs):
            for c in r:
                prefix = f"{key}_seed{seed}_epoch{c['epoch']}"
                values[prefix] = f"{c['accuracy']:.4f}"
                values[f"{prefix}_seconds"] = f"{c['train_seconds']:.1f}"
    return tables, values


if __name__ == "__main__":
    main()
