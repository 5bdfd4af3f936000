"""Benchmark 5: test accuracy against seconds of training, for the LeNet
variants on Fashion-MNIST.

Each variant trains with the seed's recipe (Adam, lr 0.01, batch 64, 5 epochs)
through ``helpers.train.fit``, one epoch at a time; after every epoch the whole
test set is evaluated (not counted in the training seconds). The seed article
reports test accuracy 0.874 after 5 epochs for its sigmoid LeNet on a GPU.

    python benchmarks/lenet_accuracy_time.py                          # seed
    and modern LeNet python benchmarks/lenet_accuracy_time.py --models seed
    relu modern python benchmarks/lenet_accuracy_time.py --models seed --seeds
    0 1 2   # how much luck is involved python
    benchmarks/lenet_accuracy_time.py --loader tensor          # the
    tensor-resident loader python benchmarks/lenet_accuracy_time.py --models
    modern --schedule cosine   # chapter 4's modern recipe python
    benchmarks/lenet_accuracy_time.py --device cuda python
    benchmarks/lenet_accuracy_time.py --quick                  # smoke run

Variants: ``seed`` (sigmoid, as in the seed article), ``relu`` (ReLU instead of
sigmoid), ``modern`` (ReLU + batch normalisation; max-pooling in all three).
"""

from __future__ import annotations

import time

import torch
from torch.utils.data import DataLoader

import common
from helpers import set_seed
from helpers.data import fashion_mnist_datasets, subset
from helpers.train import evaluate, fit
from models import MODELS
from tensor_loader import tensor_loader

SEED_ARTICLE_ACCURACY = 0.874  # after 5 epochs, as printed by the seed article


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
        "--train-images",
        type=int,
        default=None,
        help="a fixed subset (default: all 60,000)",
    )
    p.add_argument(
        "--schedule",
        choices=["constant", "cosine"],
        default="constant",
        help="the learning rate: constant, or decaying along a cosine over "
        "the epochs (CosineAnnealingLR)",
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

    rows, results = [], {}
    seeds = args.seeds or [args.seed]
    for name, seed in ((n, s) for n in args.models for s in seeds):
        set_seed(seed)
        train_loader.generator.manual_seed(
            seed
        )  # the data order, too, follows the seed
        model = MODELS[name]().to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        scheduler = (
            torch.optim.lr_scheduler.CosineAnnealingLR(
                optimizer, T_max=args.epochs
            )
            if args.schedule == "cosine"
            else None
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
                    "test_accuracy": acc,
                }
            )
            rows.append([name, seed, epoch, f"{seconds:.1f}", f"{acc:.4f}"])
            print(
                f"{name} (seed {seed}): epoch {epoch}  {seconds:.1f} s of "
                f"training  test accuracy {acc:.4f}",
                flush=True,
            )
        results[f"{name}, seed {seed}"] = curve
    rows.append(
        ["seed article (GPU)", "-", 5, "-", f"{SEED_ARTICLE_ACCURACY:.3f}"]
    )
    print(
        f"\n{len(train):,} training images, {len(test):,} test images, "
        f"batch {args.batch_size}, Adam lr {args.lr} ({args.schedule}), "
        f"loader: {args.loader}\n"
    )
    print(
        common.table(
            [
                "model",
                "seed",
                "epoch",
                "training seconds (cumulative)",
                "test accuracy",
            ],
            rows,
        )
    )
    common.write_json(
        args.json,
        {
            "benchmark": "lenet_accuracy_time",
            "machine": facts,
            "args": vars(args),
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
