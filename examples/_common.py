"""Shared by the examples: their budget, and a trained model from a file or trained here.

``PWL_EXAMPLES_BUDGET=small`` (set by the documentation build in ``docs/conf.py``) runs every
example on a budget of seconds, so the gallery executes them all: the examples that train
models train a few hundred steps on short series (their numbers are those of a barely trained
model, and each says so), and the ones whose point is a well-trained model read the models
this project trained and keeps in ``benchmarks/models/``.  Unset (or ``full``), the examples
run with the budgets below, the ones meant for users.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pwl_analysis import PWLMap, load_model
from pwl_analysis.errors import UserInputError

EXAMPLES = Path(__file__).resolve().parent
OUTPUT = EXAMPLES / "output"

BUDGET_VARIABLE = "PWL_EXAMPLES_BUDGET"


def _small_budget() -> bool:
    budget = os.environ.get(BUDGET_VARIABLE, "full")
    if budget not in ("small", "full"):
        raise UserInputError(f"{BUDGET_VARIABLE} must be 'small' or 'full', got {budget!r}")
    return budget == "small"


#: True in the documentation build: every example finishes in seconds.
SMALL = _small_budget()

#: Training options of the small budget: 10 epochs of 20 steps, no evaluation during
#: training and a short held-out evaluation (seconds).
SMALL_TRAINING = {"epochs": 10, "batches_per_epoch": 20, "eval_every": 0, "test_steps": 2_000}

#: Length of a simulated series on the small budget.
SMALL_LENGTH = 10_000

#: Models trained by this project with the fast recipe, read instead of training on the small
#: budget (see ``benchmarks/models/README.md`` for how each was trained).
TRAINED_MODELS = {
    "lorenz63": EXAMPLES.parent / "benchmarks" / "models" / "lorenz63_m20_p2.npz",
    "rossler": EXAMPLES.parent / "benchmarks" / "models" / "rossler_m20_p1.npz",
}


def description(docstring: str | None) -> str:
    """The first line of an example's docstring (empty where the gallery runs it)."""
    return (docstring or "").partition("\n")[0]


def model_arguments(docstring: str | None) -> argparse.ArgumentParser:
    """The arguments shared by the examples that analyse a trained model."""
    parser = argparse.ArgumentParser(description=description(docstring))
    parser.add_argument("--model", help="use this trained model (.pt with --P, .npz, run folder)")
    parser.add_argument("--P", type=int, help="piecewise-linear units of a .pt model")
    parser.add_argument("--epochs", type=int, help="training epochs (default: the fast recipe)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="folder for figures and runs")
    return parser


def trained_model(args: argparse.Namespace, system: str, run_name: str) -> PWLMap:
    """``args.model`` if given; else a run folder trained (once) with the fast recipe.

    On the small budget the model this project trained and keeps for ``system`` is read
    instead of training one (minutes).
    """
    if args.model:
        return load_model(args.model, P=args.P)
    if SMALL:
        path = TRAINED_MODELS[system]
        print(f"small budget: reading {path.relative_to(EXAMPLES.parent)} instead of training")
        return load_model(path)
    from training import TrainConfig, train

    run = args.out / run_name
    if not (run / "model.npz").exists():
        overrides = {} if args.epochs is None else {"epochs": args.epochs}
        train(TrainConfig.fast(system, **overrides), run)
    return load_model(run)
