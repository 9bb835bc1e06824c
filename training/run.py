"""``pwl-analysis run``: from a time series to a mathematician's report, in one command.

    pwl-analysis run lorenz63 --out report_lorenz      # also: rossler, ecg, --data FILE

1. train an AL-RNN with the built-in fast recipe (:func:`training.train`),
2. analyse the trained map (:func:`pwl_analysis.analysis.analyze`),
3. write ``report.md`` (:func:`pwl_analysis.report.write_report`).

The report folder is built in a temporary sibling folder and renamed into place at the end,
so a failed or interrupted run leaves an existing report untouched; an existing report is
replaced only with ``--overwrite``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from pwl_analysis.errors import UserInputError
from training.data import RECORDINGS, SYSTEMS

#: Built-in sources: the simulated systems and the recorded series (the ECG delay embedding).
SOURCES = (*SYSTEMS, *RECORDINGS)
RUN_FOLDER, ANALYSIS_FOLDER = "run", "analysis"


@dataclass(frozen=True)
class PipelineResult:
    """Where the report went and what it holds."""

    folder: Path
    report: Path
    training: dict
    analysis: object

    def __repr__(self) -> str:
        return f"PipelineResult(report at {self.report})\n{self.analysis!r}"


def _config(source: str | None, data: str | None, overrides: dict):
    from training.config import TrainConfig

    if data is not None:
        path = Path(data)
        if not path.is_file():
            raise FileNotFoundError(f"no data file at {path}")
        return TrainConfig.fast().replace(system=None, data_path=str(path.resolve()), **overrides)
    if source not in SOURCES:
        raise UserInputError(f"unknown system {source!r}: choose one of {', '.join(SOURCES)}")
    return TrainConfig.fast(source, **overrides)


def _check_output(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise UserInputError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{out} already holds files: pass --overwrite to replace them")


def _swap_into_place(staging: Path, out: Path) -> None:
    """Rename the finished report folder to ``out``, replacing an old one only at the end."""
    if out.exists():
        retired = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old."))
        out.rename(retired / out.name)
        staging.rename(out)
        shutil.rmtree(retired)
    else:
        staging.rename(out)


def run_pipeline(
    source: str | None,
    out: str | Path,
    *,
    data: str | None = None,
    overwrite: bool = False,
    progress: bool = True,
    max_period: int | None = None,
    **overrides,
) -> PipelineResult:
    """Train, analyse and report; see the module docstring.

    Parameters
    ----------
    source : {"lorenz63", "rossler", "ecg"} or None
        Built-in data; None when ``data`` is given.
    out : path
        Report folder (must be empty or absent unless ``overwrite``).
    data : path, optional
        A (T, N) ``.npy`` or ``.csv`` series instead of a built-in source.
    overwrite : bool
        Replace an existing report folder (only after the new one is complete).
    progress : bool
        Progress bars for training and analysis.
    max_period : int, optional
        Largest cycle period analysed (default: cheap for the model's P).
    **overrides
        Training options (``TrainConfig`` fields), e.g. ``epochs=20``.
    """
    from pwl_analysis.analysis import analyze
    from pwl_analysis.report import write_report
    from training.loop import train

    out = Path(out)
    _check_output(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new."))
    try:
        config = _config(source, data, overrides)
        name = source or Path(data).stem
        if progress:
            print(f"[1/3] training {config!r}")
        trained = train(config, staging / RUN_FOLDER, progress=progress)
        if progress:
            print(f"[2/3] analysing the trained map ({trained.pwl_map()!r})")
        analysis = analyze(
            trained.pwl_map(),
            staging / ANALYSIS_FOLDER,
            name=name,
            max_period=max_period,
            progress=progress,
        )
        summary = trained.to_dict() | {"run_dir": str(out / RUN_FOLDER)}
        write_report(staging, summary, analysis, ANALYSIS_FOLDER)
        if progress:
            print(f"[3/3] report written to {out / 'report.md'}")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_into_place(staging, out)
    analysis = replace(analysis, folder=out / ANALYSIS_FOLDER)
    return PipelineResult(out, out / "report.md", summary, analysis)


def add_run_command(commands: argparse._SubParsersAction) -> None:
    """Register ``pwl-analysis run``."""
    parser = commands.add_parser(
        "run", help="train on a system or data file, analyse, and write a report folder"
    )
    parser.add_argument("system", nargs="?", help=f"built-in data: {', '.join(SOURCES)}")
    parser.add_argument("--data", metavar="FILE", help="(T, N) .npy or .csv instead of a system")
    parser.add_argument("--out", help="report folder (default: report_<system>)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing report")
    parser.add_argument("--epochs", type=int, help="training epochs (default: the recipe's)")
    parser.add_argument("--M", type=int, help="latent units")
    parser.add_argument("--P", type=int, help="piecewise-linear units")
    parser.add_argument("--seed", type=int, help="training seed")
    parser.add_argument("--max-period", type=int, help="largest cycle period analysed")
    parser.add_argument("--no-progress", action="store_true", help="no progress output")
    parser.set_defaults(run=_run_command)


def _run_command(args: argparse.Namespace) -> None:
    if (args.system is None) == (args.data is None):
        raise UserInputError("give exactly one of a system name and --data FILE")
    options = {"epochs": args.epochs, "M": args.M, "P": args.P, "seed": args.seed}
    out = args.out or f"report_{args.system or Path(args.data).stem}"
    result = run_pipeline(
        args.system,
        out,
        data=args.data,
        overwrite=args.overwrite,
        progress=not args.no_progress,
        max_period=args.max_period,
        **{k: v for k, v in options.items() if v is not None},
    )
    print(result)
