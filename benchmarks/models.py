"""The models the benchmarks train: the LeNet of chapter 4 in its forms.

Defined here so the scripts run on their own; the chapters build the same
networks step by step.
"""

from functools import partial

from torch import nn


def lenet(
    in_channels: int = 1,
    size: int = 28,
    classes: int = 10,
    *,
    activation=nn.Sigmoid,
    batch_norm: bool = False,
) -> nn.Sequential:
    """LeNet: conv5 (6) -> pool2 -> conv5 (16) -> pool2 -> 120 -> 84 ->
    classes, with max-pooling.

    ``activation=nn.Sigmoid`` without batch normalisation is the seed article's
    network; with ``batch_norm=True`` a BatchNorm layer follows every
    convolution and hidden linear layer.
    """
    side = (
        (size - 4) // 2 - 4
    ) // 2  # feature-map side after the two conv + pool stages

    def block(layer, width, norm):
        return [layer, *([norm(width)] if batch_norm else []), activation()]

    return nn.Sequential(
        *block(nn.Conv2d(in_channels, 6, 5), 6, nn.BatchNorm2d),
        nn.MaxPool2d(2, 2),
        *block(nn.Conv2d(6, 16, 5), 16, nn.BatchNorm2d),
        nn.MaxPool2d(2, 2),
        nn.Flatten(),
        *block(nn.Linear(16 * side * side, 120), 120, nn.BatchNorm1d),
        *block(nn.Linear(120, 84), 84, nn.BatchNorm1d),
        nn.Linear(84, classes),
    )


seed_lenet = partial(lenet, activation=nn.Sigmoid)  # as in the seed article
relu_lenet = partial(
    lenet, activation=nn.ReLU
)  # the step in between: ReLU, no batch normalisation
modern_lenet = partial(
    lenet, activation=nn.ReLU, batch_norm=True
)  # ReLU + batch normalisation

MODELS = {"seed": seed_lenet, "relu": relu_lenet, "modern": modern_lenet}
