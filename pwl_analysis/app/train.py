"""``pwl-analysis train``: fit an AL-RNN from the command line (torch is imported on use).

pwl-analysis train --system lorenz63 --out run          # fast default recipe
pwl-analysis train --system lorenz63 --recipe reference --out run_ref
pwl-analysis train --data series.npy --M 30 --P 4 --out run
pwl-analysis train --resume run                          # continue after Ctrl-C
"""

from __future__ import annotations

import argparse
import sys

from pwl_analysis.errors import UserInputError

#: command-line option -> TrainConfig field, for the options that override the recipe
_OPTIONS = {
    "M": (int, "latent units"),
    "P": (int, "piecewise-linear (ReLU) units"),
    "epochs": (int, "epochs"),
    "batches_per_epoch": (int, "optimisation steps per epoch"),
    "batch_size": (int, "subsequences per step"),
    "seq_len": (int, "subsequence length T"),
    "lr_start": (float, "initial learning rate"),
    "lr_end": (float, "final learning rate (exponential decay)"),
    "forcing_interval": (int, "teacher forcing interval τ"),
    "alpha": (float, "GTF weight α (1 = sparse teacher forcing)"),
    "noise": (float, "Gaussian noise on the forcing inputs"),
    "grad_clip": (float, "gradient norm clipping (0 = off)"),
    "seed": (int, "seed of weights, batches and noise"),
    "length": (int, "samples to simulate (--system)"),
    "dt": (float, "sampling interval (--system)"),
    "test_fraction": (float, "fraction held out for metrics"),
    "data_seed": (int, "seed of the simulated initial condition"),
    "eval_every": (int, "epochs between progress metrics (0 = end only)"),
    "checkpoint_every": (int, "epochs between checkpoints"),
    "select_tolerance": (float, "near-best epochs: worst D_stsp within this of the lowest"),
    "select_band": (float, "λ_max agreement with the data's within which D_stsp decides"),
}


def add_train_command(commands: argparse._SubParsersAction) -> None:
    """Register the ``train`` subcommand."""
    parser = commands.add_parser(
        "train",
        help="fit an AL-RNN to a time series (needs the 'train' extra: torch)",
        description="Train an AL-RNN by BPTT with sparse/generalised teacher forcing. "
        "The default recipe is the fast one; --recipe reference runs the published settings "
        "(Lorenz-63: M=20, P=2, RAdam 1e-3→1e-5, batch 16, T=200, τ=16, 2000×50 steps).",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--system", choices=["lorenz63", "rossler"], help="built-in system")
    source.add_argument("--data", metavar="FILE", help=".npy or .csv file of shape (T, N)")
    source.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run")
    parser.add_argument("--out", metavar="RUN_DIR", help="new run folder")
    parser.add_argument("--recipe", choices=["fast", "reference"], default="fast")
    for name, (kind, text) in _OPTIONS.items():
        flag = "--tau" if name == "forcing_interval" else "--" + name.replace("_", "-")
        parser.add_argument(flag, dest=name, type=kind, default=None, help=text)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=_train_command)


def _config(args: argparse.Namespace):
    from training.config import TrainConfig

    overrides = {k: getattr(args, k) for k in _OPTIONS if getattr(args, k) is not None}
    system = args.system or "lorenz63"
    if args.recipe == "reference":
        base = TrainConfig.rossler() if system == "rossler" else TrainConfig.lorenz63()
    else:
        base = TrainConfig.fast(system)
    if args.data:
        base = base.replace(system=None, data_path=args.data)
    return base.replace(**overrides)


def _train_command(args: argparse.Namespace) -> None:
    from training.checkpoint import resumable_config
    from training.data import check_data

    progress = not args.no_progress
    if args.resume is None and args.out is None:
        raise UserInputError("--out RUN_DIR is required (or --resume RUN_DIR)")
    run_dir = args.resume or args.out
    given = [name for name in _OPTIONS if getattr(args, name) is not None]
    if args.resume and (given or args.out):
        raise UserInputError(
            "--resume continues with the run's stored options; do not combine it with "
            + ", ".join(["--out"] * bool(args.out) + [f"--{name}" for name in given])
        )
    if args.resume:
        resumable_config(args.resume)
    else:
        config = _config(args)
        check_data(config)
    from training.loop import DivergenceError, resume, train  # torch, once the input is good

    try:
        if args.resume:
            result = resume(args.resume, progress=progress)
        else:
            result = train(config, args.out, progress=progress)
    except FileExistsError as error:
        raise UserInputError(str(error)) from error
    except DivergenceError as error:
        print(f"pwl-analysis train: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(
            f"\npwl-analysis train: interrupted; the last completed epoch is saved in {run_dir}."
            f" Continue with: pwl-analysis train --resume {run_dir}",
            file=sys.stderr,
        )
        sys.exit(130)
    print(result)
