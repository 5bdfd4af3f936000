"""Benchmark 2: what does ``helpers.train.fit`` cost on top of a bare PyTorch
training loop?

Both train the same model (the seed's LeNet) on the same Fashion-MNIST images
for one epoch, from the same initial weights, with the same optimiser (Adam, lr
0.01) and batch size (64). The bare loop does only forward, loss, zero_grad,
backward, step; ``fit`` also moves each batch to the device, sums the loss and
counts correct predictions per batch (two ``.item()`` calls), and can draw a
progress bar. The data come from a tensor-resident loader, so that loading
costs almost nothing and the loop's own overhead is as visible as it can be.

The three loops take turns, many times over short epochs, in alternating order
(A B C, C B A, ...); the ratio reported is the median over rounds of fit's time
over the bare loop's time in the same round, so a slow spell of a shared
machine affects both sides of each ratio alike.

    python benchmarks/fit_overhead.py                # 31 rounds, 1,280 images
    python benchmarks/fit_overhead.py --device cuda
    python benchmarks/fit_overhead.py --quick        # smoke run
"""

from __future__ import annotations

import contextlib
import copy
import io
import statistics

import torch
from torch import nn

import common
from helpers import set_seed
from helpers.data import fashion_mnist_datasets, subset
from helpers.train import fit
from models import MODELS
from tensor_loader import tensor_loader


def bare_epoch(model, loader, optimizer, loss_fn, device):
    """The least a correct training loop does: no bookkeeping, no
    synchronisation with the device."""
    model.train()
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        loss = loss_fn(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def main():
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument(
        "--images", type=int, default=1280, help="training images per epoch"
    )
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument(
        "--rounds",
        type=int,
        default=31,
        help="timed rounds per method (order alternates)",
    )
    p.add_argument("--model", choices=sorted(MODELS), default="seed")
    args = p.parse_args()
    if args.quick:
        args.images, args.rounds = 640, 3
    device = common.resolve_device(args.device, args.threads)
    facts = common.header(
        "Training-loop overhead: helpers.train.fit against a bare loop", device
    )

    set_seed(args.seed)
    train, _, _, _ = fashion_mnist_datasets()
    loader = tensor_loader(
        subset(train, args.images, args.seed),
        args.batch_size,
        shuffle=True,
        device=device,
        seed=args.seed,
    )
    initial = MODELS[args.model]().to(device).state_dict()
    model = MODELS[args.model]().to(device)
    loss_fn = nn.CrossEntropyLoss()

    def fresh_optimizer():
        model.load_state_dict(copy.deepcopy(initial))
        return torch.optim.Adam(model.parameters(), lr=0.01)

    def run_bare():
        bare_epoch(model, loader, fresh_optimizer(), loss_fn, device)

    def run_fit(progress=False):
        fit(
            model,
            loader,
            None,
            epochs=1,
            optimizer=fresh_optimizer(),
            loss_fn=loss_fn,
            device=device,
            progress=progress,
            log=None,
        )

    # a text tqdm bar, written to a buffer instead of the terminal
    def run_fit_bar():
        with contextlib.redirect_stderr(io.StringIO()):
            run_fit(progress=True)

    runs = {
        "bare loop": run_bare,
        "fit(progress=False)": run_fit,
        "fit(progress=True)": run_fit_bar,
    }
    times = common.interleaved(runs, args.rounds, device)

    n = len(loader.dataset)
    labels = {
        "bare loop": "bare loop",
        "fit(progress=False)": "`fit(progress=False)`",
        "fit(progress=True)": "`fit(progress=True)`",
    }
    rows, results, values = [], {}, {}
    for name, ts in times.items():
        paired = sorted(a / b for a, b in zip(ts, times["bare loop"]))
        q1, med, q3 = (
            paired[int(f * (len(paired) - 1))] for f in (0.25, 0.5, 0.75)
        )
        bare = name == "bare loop"
        rows.append(
            [
                labels[name],
                f"{min(ts):.3f}",
                f"{statistics.median(ts):.3f}",
                f"{n / statistics.median(ts):,.0f}",
                f"{med:.3f}",
                "" if bare else f"{q1:.3f} to {q3:.3f}",
            ]
        )
        results[name] = {
            "seconds": ts,
            "ratio_median_per_round": med,
            "ratio_quartiles": [q1, q3],
        }
        if not bare:
            key = "bar" if "True" in name else "fit"
            values[f"{key}_ratio"] = f"{med:.3f}"
            values[f"{key}_percent"] = f"{(med - 1) * 100:+.0f} %"
            values[f"{key}_spread"] = f"{(q3 - q1) / 2 * 100:.0f} %"
    headers = [
        "loop",
        "best s per epoch",
        "median s per epoch",
        "images/s (median)",
        "time ratio to the bare loop (median of rounds)",
        "middle half of the ratios",
    ]
    values.update(images=f"{n:,}", rounds=str(args.rounds))
    print(
        f"{args.model} LeNet, {n:,} Fashion-MNIST images per epoch, "
        f"batch {args.batch_size}, {args.rounds} rounds (order alternating), "
        "after one warm-up epoch each\n"
    )
    print(common.table(headers, rows))
    print("\ntarget: fit / bare <= 1.05")
    common.save(args, facts, {"main": (headers, rows)}, values, results)


if __name__ == "__main__":
    main()
