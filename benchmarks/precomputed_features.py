"""Benchmark 4: training VGG16's classifier on pre-computed features against
recomputing the frozen convolutional features in every epoch.

Chapter 6 freezes VGG16's ``features`` and trains only its ``classifier`` (last
layer replaced by a 2-way one). Frozen layers give the same output every epoch,
so their output can be computed once and stored; each epoch then runs only the
classifier. This script times one training epoch both ways on the same images,
with the seed's optimiser (SGD, lr 1e-4, momentum 0.5), best of ``--rounds`` in
alternating order, and the one-time cost of computing the features. The
features' cost is per image, the classifier's mostly per step (updating its 120
million weights), so the speed-up grows with the batch size.

The network is built with ``weights=None``: the same architecture, hence the
same amount of arithmetic and the same times, as with ImageNet weights (which
this machine cannot download). The images are random tensors already on the
device, so only the network is timed, not JPEG decoding.

    python benchmarks/precomputed_features.py    # 32 images, batch 32
    python benchmarks/precomputed_features.py --device cuda --images 512
    python benchmarks/precomputed_features.py --quick    # 8 images, 112x112
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision import models

import common
from helpers import set_seed


def main():
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument(
        "--images", type=int, default=32, help="training images per epoch"
    )
    p.add_argument(
        "--batch-size", type=int, default=32, help="the seed's batch size"
    )
    p.add_argument(
        "--size", type=int, default=224, help="image side in pixels"
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="timed rounds per method (order alternates)",
    )
    args = p.parse_args()
    if args.quick:
        args.images, args.batch_size, args.size, args.rounds = 8, 8, 112, 1
    device = common.resolve_device(args.device, args.threads)
    facts = common.header(
        "Pre-computed features against recomputing frozen VGG16 features",
        device,
    )

    set_seed(args.seed)
    vgg = models.vgg16(
        weights=None
    )  # same cost as weights=models.VGG16_Weights.IMAGENET1K_V1
    for param in vgg.features.parameters():
        param.requires_grad_(False)
    vgg.classifier[-1] = nn.Linear(4096, 2)
    vgg.to(device)
    # what follows `features` in vgg.forward
    head = nn.Sequential(vgg.avgpool, nn.Flatten(), vgg.classifier)
    optimizer = torch.optim.SGD(
        vgg.classifier.parameters(), lr=1e-4, momentum=0.5
    )
    loss_fn = nn.CrossEntropyLoss()
    images = torch.randn(args.images, 3, args.size, args.size, device=device)
    labels = torch.randint(0, 2, (args.images,), device=device)

    def train_epoch(model, inputs):
        model.train()
        order = torch.randperm(len(labels), device=device)
        for start in range(0, len(labels), args.batch_size):
            idx = order[start : start + args.batch_size]
            loss = loss_fn(model(inputs[idx]), labels[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    stored = {}

    def extract():
        vgg.features.eval()
        # no_grad, not inference_mode: the stored features are later the input
        # of layers being trained, and autograd refuses to save inference-mode
        # tensors for the backward pass.
        with torch.no_grad():
            stored["features"] = torch.cat(
                [
                    vgg.features(images[i : i + args.batch_size])
                    for i in range(0, len(images), args.batch_size)
                ]
            )

    # Warm-up, untimed: the first call of each layer pays for memory allocation
    # and kernel selection.
    with torch.no_grad():
        sample = vgg.features.eval()(images[: args.batch_size])
    loss_fn(head(sample), labels[: args.batch_size]).backward()
    optimizer.step()
    extract_s = common.timed(extract, device)
    features = stored["features"]
    runs = {
        "recompute features each epoch": lambda: train_epoch(vgg, images),
        "pre-computed features": lambda: train_epoch(head, features),
    }
    # warmed up above
    times = common.interleaved(runs, args.rounds, device, warmup=False)

    slow, fast = (min(times[k]) for k in runs)
    best, per_round = common.ratio_summary(times, *runs)
    repaid = extract_s / (slow - fast)
    rows = [
        [
            "recomputing the frozen features each epoch",
            "",
            f"{slow:.2f}",
            f"{args.images / slow:,.1f}",
            "1×",
        ],
        [
            "on pre-computed features",
            f"{extract_s:.1f} s",
            f"{fast:.2f}",
            f"{args.images / fast:,.1f}",
            f"{best:.1f}×",
        ],
    ]
    headers = [
        f"training epoch ({args.images} images)",
        "one-time feature pass",
        "s per epoch",
        "images/s",
        "speed-up",
    ]
    print(
        f"VGG16 (weights=None), {args.images} random images of "
        f"3x{args.size}x{args.size}, batch {args.batch_size}; features "
        f"stored as {list(features.shape)} "
        f"({features.numel() * 4 / 2**20:.1f} MiB); "
        f"best of {args.rounds} rounds\n"
    )
    print(common.table(headers, rows))
    print(
        f"\nspeed-up, median of per-round ratios: {per_round:.1f}x; "
        f"the one-time pass is repaid after {repaid:.2f} epochs; "
        "target: >= 20x on CPU"
    )
    values = {
        "speedup_best": f"{best:.1f}",
        "speedup_median": f"{per_round:.1f}",
        "repaid_epochs": f"{repaid:.2f}",
        "batch": str(args.batch_size),
        "images": str(args.images),
    }
    results = {
        "seconds": times,
        "extract_s": extract_s,
        "speedup_best": best,
        "speedup_median_per_round": per_round,
    }
    common.save(args, facts, {"main": (headers, rows)}, values, results)


if __name__ == "__main__":
    main()
