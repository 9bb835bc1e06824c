"""Shared by the examples: a trained model from a file, or trained here on a small budget."""

from __future__ import annotations

import argparse
from pathlib import Path

from pwl_analysis import PWLMap, load_model

OUTPUT = Path(__file__).resolve().parent / "output"


def model_arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", help="use this trained model (.pt with --P, .npz, run folder)")
    parser.add_argument("--P", type=int, help="piecewise-linear units of a .pt model")
    parser.add_argument("--epochs", type=int, help="training epochs (default: the fast recipe)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="folder for figures and runs")
    return parser


def trained_model(args: argparse.Namespace, system: str, run_name: str) -> PWLMap:
    """``args.model`` if given, else a run folder trained (once) with the fast recipe."""
    if args.model:
        return load_model(args.model, P=args.P)
    from training import TrainConfig, train

    run = args.out / run_name
    if not (run / "model.npz").exists():
        overrides = {} if args.epochs is None else {"epochs": args.epochs}
        train(TrainConfig.fast(system, **overrides), run)
    return load_model(run)
