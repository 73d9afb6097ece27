"""The training configuration: everything that decides a trained model (no TensorFlow here)."""

from __future__ import annotations

import dataclasses
import json
from typing import Literal

MAX_LATENT_DIM = 64  # the largest latent space the explorer trains and shows
ARCHITECTURES = ("dense", "conv")
ACTIVATIONS = ("relu", "silu", "gelu")
SCHEDULES = ("constant", "cosine")
AUGMENTATIONS = ("none", "uploads")
DATASET_NAMES = ("mnist", "fashion_mnist", "shapes")  # and images-<folder>: vae/data/folders.py
PREPARATIONS = ("ink", "as-is")

# Keys added after models were first saved, with the values those models were trained with:
# a config.json without them describes a model trained that way, whatever today's defaults.
LEGACY_VALUES = {
    "activation": "relu",
    "warmup_epochs": 0.0,
    "ema": 0.0,
    "augment": "none",
    "kl_warmup_epochs": 0.0,
    "kl_start": 0.0,
    "log_var_max": None,
    "decoder_units": None,
    "dropout": 0.0,
    "weight_decay": 0.0,
    "clip_norm": 0.0,
    "channels": 1,
    "preparation": "ink",
}


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a trained model; saved next to its weights.

    The defaults are the recommended recipe (bench/README.md has the measurements):
    `python -m vae` with no options trains it.
    """

    dataset: str = dataclasses.field(
        default="mnist",
        metadata={"help": "mnist, fashion_mnist, shapes, or images-<folder> (a folder named in $VAE_IMAGE_DIRS)"},
    )
    channels: int = dataclasses.field(
        default=1, metadata={"help": "1: grey pictures (n, 28, 28); 3: colour (n, 28, 28, 3); set by the dataset"}
    )
    preparation: Literal["ink", "as-is"] = dataclasses.field(
        default="ink",
        metadata={"help": "how an upload becomes an input: ink on paper (digits, sketches) or pictures as-is"},
    )
    arch: Literal["dense", "conv"] = dataclasses.field(
        default="dense", metadata={"help": "dense: multilayer perceptron; conv: strided convolutions"}
    )
    latent_dim: int = dataclasses.field(
        default=2,
        metadata={"help": "size of z, 2 to 64 (2: the map is the space itself; more: a plane through it)"},
    )
    hidden_units: tuple[int, ...] = dataclasses.field(
        default=(256, 256, 128, 64), metadata={"help": "hidden layer widths of the encoder; the decoder mirrors them"}
    )
    decoder_units: tuple[int, ...] | None = dataclasses.field(
        default=None,
        metadata={"help": "hidden layer widths of the decoder, from z outwards (none: the encoder's, mirrored)"},
    )
    conv_filters: tuple[int, ...] = dataclasses.field(
        default=(8, 16), metadata={"help": "filters of the strided convolutions (arch conv)"}
    )
    activation: Literal["relu", "silu", "gelu"] = dataclasses.field(
        default="gelu", metadata={"help": "hidden-layer activation"}
    )
    epochs: int = dataclasses.field(default=20, metadata={"help": "passes over the training images"})
    batch_size: int = dataclasses.field(default=128, metadata={"help": "images per step"})
    learning_rate: float = dataclasses.field(default=2e-3, metadata={"help": "peak Adam learning rate"})
    # "cosine" decays the learning rate to 1% over the run, which settles the weights
    # into a better optimum at the same number of epochs; "constant" keeps it.
    lr_schedule: Literal["constant", "cosine"] = dataclasses.field(
        default="cosine", metadata={"help": "learning-rate decay"}
    )
    warmup_epochs: float = dataclasses.field(
        default=1.0, metadata={"help": "epochs of linear learning-rate warm-up (at most a quarter of the run)"}
    )
    dropout: float = dataclasses.field(
        default=0.0, metadata={"help": "dropout rate after every hidden layer, in training only (0: off)"}
    )
    weight_decay: float = dataclasses.field(
        default=0.0,
        metadata={"help": "decoupled weight decay (AdamW) per step, times the learning rate (0: plain Adam)"},
    )
    clip_norm: float = dataclasses.field(
        default=1000.0,
        metadata={"help": "clip the gradient's global norm to this (0: off); a safety net for rare loss spikes"},
    )
    ema: float = dataclasses.field(
        default=0.0, metadata={"help": "momentum of an exponential moving average of the weights (0: off)"}
    )
    beta: float = dataclasses.field(
        default=1.0, metadata={"help": "weight of the KL term; 0 trains a plain autoencoder"}
    )
    log_var_max: float | None = dataclasses.field(
        default=6.0,
        metadata={"help": "soft upper bound on the encoder's log-variance, so the KL term cannot overflow"},
    )
    kl_warmup_epochs: float = dataclasses.field(
        default=0.0,
        metadata={"help": "epochs over which the KL term's weight moves linearly from kl_start to beta (0: none)"},
    )
    kl_start: float = dataclasses.field(
        default=0.0,
        metadata={"help": "the KL term's weight when a KL warm-up starts (0: from a plain autoencoder)"},
    )
    augment: Literal["none", "uploads"] = dataclasses.field(
        default="none", metadata={"help": "uploads: train on digits distorted the way real uploads are"}
    )
    seed: int = dataclasses.field(default=0, metadata={"help": "same seed, same run"})
    train_limit: int | None = dataclasses.field(
        default=None, metadata={"help": "train on the first N training images only"}
    )

    def __post_init__(self) -> None:
        # JSON round trips turn tuples into lists; store tuples so configs compare equal.
        object.__setattr__(self, "hidden_units", tuple(int(u) for u in self.hidden_units))
        object.__setattr__(self, "conv_filters", tuple(int(f) for f in self.conv_filters))
        if self.decoder_units is not None:
            object.__setattr__(self, "decoder_units", tuple(int(u) for u in self.decoder_units))
        problems = [problem for problem in self._problems() if problem]
        if problems:
            raise ValueError("Invalid training config: " + "; ".join(problems) + ".")

    def _problems(self):
        yield not (self.dataset in DATASET_NAMES or self.dataset.startswith("images-")) and (
            f"dataset must be one of {', '.join(DATASET_NAMES)} or images-<folder>, not {self.dataset!r}"
        )
        yield self.channels not in (1, 3) and f"channels must be 1 (grey) or 3 (colour), not {self.channels}"
        yield self.preparation not in PREPARATIONS and (
            f"preparation must be one of {PREPARATIONS}, not {self.preparation!r}"
        )
        yield self.arch not in ARCHITECTURES and f"arch must be one of {ARCHITECTURES}, not {self.arch!r}"
        yield self.activation not in ACTIVATIONS and (
            f"activation must be one of {ACTIVATIONS}, not {self.activation!r}"
        )
        yield not 2 <= self.latent_dim <= MAX_LATENT_DIM and (
            f"latent_dim must be between 2 and {MAX_LATENT_DIM} (the map needs a plane), not {self.latent_dim}"
        )
        yield self.epochs < 1 and f"epochs must be at least 1, not {self.epochs}"
        yield self.batch_size < 1 and f"batch_size must be at least 1, not {self.batch_size}"
        yield not self.learning_rate > 0 and f"learning_rate must be positive, not {self.learning_rate}"
        yield self.lr_schedule not in SCHEDULES and (
            f"lr_schedule must be one of {SCHEDULES}, not {self.lr_schedule!r}"
        )
        yield self.warmup_epochs < 0 and f"warmup_epochs must be 0 or more, not {self.warmup_epochs}"
        yield not 0 <= self.ema < 1 and f"ema must be in [0, 1), not {self.ema}"
        yield not 0 <= self.dropout < 1 and f"dropout must be in [0, 1), not {self.dropout}"
        yield self.weight_decay < 0 and f"weight_decay must be 0 or more, not {self.weight_decay}"
        yield self.clip_norm < 0 and f"clip_norm must be 0 or more, not {self.clip_norm}"
        yield self.kl_warmup_epochs < 0 and f"kl_warmup_epochs must be 0 or more, not {self.kl_warmup_epochs}"
        yield self.kl_start < 0 and f"kl_start must be 0 or more, not {self.kl_start}"
        yield self.beta < 0 and f"beta must be 0 or more, not {self.beta}"
        yield self.augment not in AUGMENTATIONS and (f"augment must be one of {AUGMENTATIONS}, not {self.augment!r}")
        yield (not self.hidden_units or min(self.hidden_units) < 1) and (
            "hidden_units must list at least one positive layer width"
        )
        yield (self.decoder_units is not None and (not self.decoder_units or min(self.decoder_units) < 1)) and (
            "decoder_units must list at least one positive layer width"
        )
        yield (self.train_limit is not None and self.train_limit < 1) and (
            f"train_limit must be at least 1, not {self.train_limit}"
        )

    @property
    def decoder_widths(self) -> tuple[int, ...]:
        """The decoder's hidden widths from z outwards."""
        return self.decoder_units if self.decoder_units is not None else tuple(reversed(self.hidden_units))

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"Unknown config keys: {', '.join(unknown)}.")
        return cls(**{**LEGACY_VALUES, **values})


# The sidebar's recipes (the CLI's default stays TrainConfig's own, "best").
# "class": chosen for the time to a good map on 2 cores, measured with bench.recipes and
# bench.time_to_map (bench/README, 2026-12-07): 6 epochs of 256 images a step, a higher peak
# learning rate for the larger batch, half an epoch of warm-up; the same network and cosine
# decay. 139.6 nats after 6 epochs, where the default recipe is at 141.1 after as many.
# "best": TrainConfig's defaults, 20 epochs (about 134.4 nats).
RECIPES = {
    "class": {"epochs": 6, "batch_size": 256, "learning_rate": 3e-3, "warmup_epochs": 0.5},
    "best": {},
}


def form_config(recipe: str, train_images: int, **changes) -> TrainConfig:
    """The training form's config: `recipe`'s settings for a dataset of `train_images`, then the
    form's own fields. `form_config("class", 60_000, dataset="mnist")` is what Train sends when
    nothing on the form is changed (its widgets start at TrainConfig's defaults), the config a
    warm trainer traces ahead (vae/workers/warm.py)."""
    return TrainConfig(**{**recipe_for(recipe, train_images), **changes})


SMALL_DATASET_STEPS = 750  # steps of the class recipe on a small dataset (a class's drawings)


def recipe_for(recipe: str, train_images: int) -> dict:
    """A recipe's settings for a dataset of `train_images`. The class recipe's 6 epochs of 256 are
    about 1,400 steps on MNIST's 60,000; on a class's 240 drawings they would be 6 steps, and the
    map would show nothing learned (5-NN 0.24 on 300 MNIST digits as drawings, bench/README).
    Below 20,000 pictures it takes smaller batches and more epochs instead: about 750 steps, at
    most 50 epochs (the form's slider); on those 300 digits, 50 epochs of 16: 5-NN 0.61 and
    165.8 nats, 12 s of training on 2 cores."""
    values = dict(RECIPES[recipe])
    if recipe != "class" or train_images >= 20_000:
        return values
    batch = 64 if train_images >= 2_000 else 16
    epochs = -(-SMALL_DATASET_STEPS * batch // max(train_images, 1))
    return {**values, "batch_size": batch, "learning_rate": 2e-3, "epochs": int(min(50, max(6, epochs)))}


@dataclasses.dataclass(frozen=True)
class Progress:
    """What `on_progress` receives after every training batch."""

    epoch: int  # 0-based
    epochs: int
    batch: int  # 0-based within the epoch
    batches: int
    loss: float
    reconstruction_loss: float
    kl_loss: float
    seconds: float

    @property
    def fraction(self) -> float:
        return (self.epoch * self.batches + self.batch + 1) / (self.epochs * self.batches)
