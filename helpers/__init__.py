"""Shared code for the book *Convolutional Neural Networks with PyTorch*.

Each function's docstring names the chapter that introduces it. The modules:
``config`` (quick and offline mode, data folder, device, seeds, messages),
``data``, ``train``, ``plot``, ``diagram`` (architecture figures),
``shapes``, ``kernels`` (the kernels of chapter 1), ``glue`` (numbers for
the prose), ``widgets`` (the explorers of chapters 1-3) and ``pretrained``
(ImageNet weights, chapter 6).
"""

from .config import data_dir, epochs, get_device, is_quick, set_seed

__all__ = ["data_dir", "epochs", "get_device", "is_quick", "set_seed"]
__version__ = "0.1.0"
