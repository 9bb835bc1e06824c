"""``pwl-analysis run``: from a time series to a mathematician's report, in one command.

    pwl-analysis run lorenz63 --out report_lorenz      # also: rossler, ecg, --data FILE

1. train an AL-RNN with the built-in fast recipe (:func:`training.train`) in ``OUT.run``, a
   folder beside the report folder that keeps the checkpoint whatever happens next,
2. analyse the trained map (:func:`pwl_analysis.app.analysis.analyze`),
3. write ``report.md`` (:func:`pwl_analysis.app.report.write_report`),

then move the training run into the report as ``run/`` and rename the report folder into place
(``pwl_analysis.app._folders``).  Every option is checked before training.  An existing folder is
replaced only with ``--overwrite`` and only if it is a report written by ``run`` (it carries the
``.pwl-analysis`` marker); files that appear in it during the run are never deleted (the new
report is kept beside it instead); a lock stops two runs writing one folder.  After Ctrl-C or a
failed analysis the trained model stays in ``OUT.run`` and ``--resume`` continues from it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from pwl_analysis._filesystem import FileSystemFault, as_fault, translated
from pwl_analysis.app._folders import (
    OutputChangedError,
    check_output,
    output_lock,
    swap_into_place,
    write_marker,
)
from pwl_analysis.errors import UserInputError
from pwl_analysis.words import SearchTooLargeError
from training.data import RECORDINGS, SYSTEMS

#: Built-in sources: the simulated systems and the recorded series (the ECG delay embedding).
SOURCES = (*SYSTEMS, *RECORDINGS)
RUN_FOLDER, ANALYSIS_FOLDER = "run", "analysis"
#: The ``kind`` in the marker of a report folder: ``--overwrite`` replaces only this kind.
REPORT_KIND = "run report"


@dataclass(frozen=True)
class PipelineResult:
    """Where the report went and what it holds.

    Attributes
    ----------
    folder : Path
        The report folder.
    report : Path
        Its ``report.md``.
    training : dict
        The training run's record (``metrics.json``: options, steps, held-out measures).
    analysis : Analysis
        What :func:`~pwl_analysis.app.analyze` computed, its files in ``folder/analysis``.

    See Also
    --------
    run_pipeline : writes the report and returns this record.

    Examples
    --------
    Ten optimisation steps of an AL-RNN with M = 2, P = 1 on a circle sampled as a CSV file
    (a pipeline check, not a reconstruction): the record says what was done and where:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from pwl_analysis.app import run_pipeline
    >>> budget = dict(M=2, P=1, epochs=2, batches_per_epoch=5, batch_size=8, seq_len=50)
    >>> budget |= dict(eval_every=0, test_steps=500, evaluation_steps=1000, max_period=2)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     t = np.arange(3000) * 0.1
    ...     csv = Path(folder, "circle.csv")
    ...     np.savetxt(csv, np.column_stack([np.cos(t), np.sin(t)]), delimiter=",")
    ...     result = run_pipeline(
    ...         None, Path(folder, "report"), data=str(csv), progress=False, **budget
    ...     )
    ...     written = sorted(path.name for path in result.folder.iterdir())
    >>> result.training["steps"], (result.analysis.M, result.analysis.P), written
    (10, (2, 1), ['.pwl-analysis', 'analysis', 'report.md', 'run'])
    """

    folder: Path
    report: Path
    training: dict
    analysis: object

    def __repr__(self) -> str:
        return f"PipelineResult(report at {self.report})\n{self.analysis!r}"


def training_folder(out: str | Path) -> Path:
    """Where ``run`` trains for the report folder ``out``: ``OUT.run`` beside it."""
    out = Path(out)
    out = out.resolve() if out.name in ("", "..") else out
    return out.parent / f"{out.name}.run"


def _fresh_config(source: str | None, data: str | None, overrides: dict):
    """The training options of a new run, its data read and checked against them."""
    from training.config import TrainConfig
    from training.data import check_data

    if data is not None:
        config = TrainConfig.fast().replace(system=None, data_path=str(Path(data).resolve()))
    elif source not in SOURCES:
        raise UserInputError(f"unknown system {source!r}: choose one of {', '.join(SOURCES)}")
    else:
        config = TrainConfig.fast(source)
    config = config.replace(**overrides)
    check_data(config)
    return config


def _stored_config(pending: Path, source: str | None, data: str | None, overrides: dict):
    """The stored options of the run in ``pending``, checked against what was given.

    Its data and checkpoint are checked too (:func:`training.checkpoint.resumable_config`).
    """
    from training.checkpoint import TRAINING_STATE, resumable_config

    if not (pending / TRAINING_STATE).is_file():
        raise FileNotFoundError(f"no interrupted training run in {pending} to resume")
    if overrides:
        given = ", ".join(f"--{name}" for name in sorted(overrides))
        raise UserInputError(
            f"--resume continues with the stored training options; do not combine it with {given}"
        )
    config = resumable_config(pending)
    stored = config.system or config.data_path
    wanted = source if data is None else str(Path(data).resolve())
    if (source or data) is not None and wanted != stored:
        raise UserInputError(f"{pending} was trained on {stored}, not on {wanted}")
    return config


def _check_fresh(pending: Path) -> None:
    if pending.exists():
        raise UserInputError(
            f"{pending} holds an earlier training run: continue it with --resume, "
            "or move it away to start afresh"
        )


def _train(config, pending: Path, resume: bool, progress: bool):
    """Train into ``pending``; a fresh run stopped before its first checkpoint leaves nothing.

    A file-system fault while writing a checkpoint is said in one sentence with what is kept.
    """
    from training.checkpoint import TRAINING_STATE
    from training.loop import train

    try:
        return train(config, pending, progress=progress, resume=resume)
    except BaseException as error:
        saved = (pending / TRAINING_STATE).exists()
        if not resume and not saved:
            shutil.rmtree(pending, ignore_errors=True)  # made by this call, nothing trained yet
        kept = (
            "the last completed epoch is kept in it: continue with --resume once this is fixed"
            if saved
            else "nothing was trained yet, and nothing was kept"
        )
        fault = as_fault(error, pending, kept)
        if fault is not None:
            raise fault from error
        raise


def _analyse_into(
    staging: Path, trained, name: str, out: Path, max_period, progress: bool, evaluation_steps
):
    from pwl_analysis.app.analysis import analyze
    from pwl_analysis.app.report import write_report

    if progress:
        print(f"[2/3] analysing the trained map ({trained.pwl_map()!r})")
    analysis = analyze(
        trained.pwl_map(),
        staging / ANALYSIS_FOLDER,
        name=name,
        max_period=max_period,
        progress=progress,
    )
    lines, faithfulness = _against_truth(trained, evaluation_steps)
    _add_to_json(staging / ANALYSIS_FOLDER / "analysis.json", "against_true_system", faithfulness)
    summary = trained.to_dict() | {"run_dir": str(out / RUN_FOLDER)}
    write_report(staging, summary, analysis, ANALYSIS_FOLDER, lines)
    write_marker(staging, REPORT_KIND)
    if progress:
        print(f"[3/3] report written to {out / 'report.md'}")
    return analysis, summary


def _kept_after_training(out: Path, pending: Path) -> str:
    """What a file-system fault after training leaves: the old folder, and the trained model."""
    return (
        f"{out} is as it was, and the trained model is kept in {pending}: once this is fixed, "
        "rerun with --resume to analyse it"
    )


def _against_truth(trained, steps: int) -> tuple[list[str], dict]:
    """Robust evaluation on the held-out data and, for a built-in flow, the flow beside it."""
    import numpy as np

    from training.evaluation import robust_evaluation
    from training.loop import series_for
    from training.series_lyapunov import lyapunov_record
    from training.truth import FLOWS, compare_with_truth

    series = series_for(trained.config)
    with np.load(Path(trained.run_dir) / "model.npz") as arrays:
        B = arrays["B"]
    m = trained.pwl_map()
    window = max(2, min(10_000, len(series.test) // 2, steps // 2))
    evaluation = robust_evaluation(
        m, series.test, B=B, dt=series.dt, n_runs=5, steps=steps, window=window
    )
    lines = evaluation.to_markdown()
    if trained.config.system not in FLOWS:
        data_side = lyapunov_record(np.concatenate([series.train, series.test]), series.dt)
        lines += [
            "",
            "No true system is known for these data: only the data-side measures above.",
            "",
            _data_lyapunov_line(data_side, evaluation),
        ]
        record = {"evaluation": evaluation.to_dict(), "data_lambda_max": data_side}
        return lines, record
    comparison = compare_with_truth(
        m, trained.config.system, evaluation, series.mean, series.std, series.dt
    )
    skeleton_lines, skeleton = _skeleton_against_flow(m, trained.config.system, series.dt)
    record = comparison.to_dict() | {"evaluation": evaluation.to_dict(), "skeleton": skeleton}
    return [*lines, "", *comparison.to_markdown(), "", *skeleton_lines], record


#: The coarse coding of each built-in flow's models, and the longest word the report compares.
_FLOW_CODINGS = {"lorenz63": "lorenz", "rossler": "rossler"}
SKELETON_WORD_LENGTH = 4


def _skeleton_against_flow(m, system: str, dt: float) -> tuple[list[str], dict | None]:
    """Report lines and record: the model's cycles by word beside the flow's periodic orbits."""
    from pwl_analysis.coarse import CODINGS
    from pwl_analysis.orbit_skeleton import skeleton
    from pwl_analysis.skeleton_comparison import compare_skeletons
    from training.truth import flow_reference

    title = f"### Periodic orbits by word (length ≤ {SKELETON_WORD_LENGTH}), beside the flow's"
    try:
        coding = CODINGS[_FLOW_CODINGS[system]](m)
    except ValueError as error:
        return [title, "", f"Not compared: the model has no {system} coding ({error})."], None
    found = skeleton(m, coding, SKELETON_WORD_LENGTH, time_step=dt)
    reference = flow_reference(system, SKELETON_WORD_LENGTH)
    against = compare_skeletons(found, reference, observation=coding.observation)
    return [title, "", "```", str(against), "```"], against.to_dict()


def _data_lyapunov_line(data_side: dict, evaluation) -> str:
    """One report line: the data's λ_max estimate beside the model's."""
    model = evaluation.lambda_max
    if "error" in data_side:
        return f"λ_max from the data: not estimated — {data_side['error']}."
    data = data_side["per_step"]
    embedding = data_side.get("delay_embedding")
    embedded = (
        f", each column delay-embedded in {embedding['dimension']} dimensions with lag "
        f"{embedding['lag']} (a short recording)"
        if embedding
        else ""
    )
    return (
        f"λ_max per step from the data alone ({data_side['method']}{embedded}): "
        f"{data['median']:.4g} [{data['min']:.4g}, {data['max']:.4g}]; "
        f"the model's: {model.median:.4g} [{model.low:.4g}, {model.high:.4g}]."
    )


def _add_to_json(path: Path, key: str, value) -> None:
    import json

    from pwl_analysis._atomic import write_json

    document = json.loads(path.read_text())
    document[key] = value
    write_json(path, document)


def run_pipeline(
    source: str | None,
    out: str | Path,
    *,
    data: str | None = None,
    overwrite: bool = False,
    resume: bool = False,
    progress: bool = True,
    max_period: int | None = None,
    evaluation_steps: int = 100_000,
    **overrides,
) -> PipelineResult:
    """Train, analyse and report; see the module docstring.

    Parameters
    ----------
    source : {"lorenz63", "rossler", "ecg"} or None
        Built-in data; None when ``data`` is given (or, with ``resume``, the stored one).
    out : path
        Report folder: absent or empty, or with ``overwrite`` a report written by ``run``.
    data : path, optional
        A (T, N) ``.npy`` or ``.csv`` series instead of a built-in source.
    overwrite : bool
        Replace an earlier report of ``run`` (only after the new one is complete).
    resume : bool
        Continue the training run kept in ``OUT.run`` (after Ctrl-C or a failed analysis)
        with its stored options, then analyse and report.
    progress : bool
        Progress bars for training and analysis.
    max_period : int, optional
        Largest cycle period analysed (default: cheap for the model's P).
    evaluation_steps : int
        Length of each of the five free runs of the robust evaluation (section "The model
        against the true system" of the report).
    **overrides
        Training options (``TrainConfig`` fields), e.g. ``epochs=20``; not with ``resume``.

    Returns
    -------
    PipelineResult
        The report folder, its ``report.md``, the training record and the analysis.

    Raises
    ------
    UserInputError
        A bad option, data file or output folder (a mount point, a name the file system
        cannot hold, a folder that cannot be written), before training starts; or, after
        training, an analysis over its budget (the trained model is kept in ``OUT.run``).
    FileSystemFault
        The file system refused a write (a full disk): during training, the last completed
        epoch is kept in ``OUT.run``; after it, ``out`` is as it was and the trained model is
        kept in ``OUT.run``; the message says which.
    OutputChangedError
        ``out`` changed during the run; the new report was kept beside it (see the message).
    KeyboardInterrupt
        The last completed epoch is saved in ``OUT.run``; ``resume=True`` continues.

    Examples
    --------
    A bad option is refused before anything is trained or written:

    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     try:
    ...         run_pipeline("lorenz63", Path(folder, "report"), evaluation_steps=10)
    ...     except ValueError as error:
    ...         print(error)
    ...     left = list(Path(folder).iterdir())
    --evaluation-steps must be between 1000 and 10000000, got 10
    >>> left
    []

    The whole pipeline on a small budget is the example of :class:`PipelineResult`.
    """
    from pwl_analysis.methods import Exhaustive

    out = Path(out)
    if max_period is not None:
        Exhaustive().check_budget(max_period)
    if isinstance(evaluation_steps, bool) or not 1_000 <= evaluation_steps <= 10_000_000:
        raise UserInputError(
            f"--evaluation-steps must be between 1000 and 10000000, got {evaluation_steps}"
        )
    fresh = None if resume else _fresh_config(source, data, overrides)
    check_output(out, overwrite, REPORT_KIND)
    pending = training_folder(out)
    with output_lock(out):
        checked = check_output(out, overwrite, REPORT_KIND)
        out.parent.mkdir(parents=True, exist_ok=True)
        if resume:
            config = _stored_config(pending, source, data, overrides)
        else:
            config = fresh
            _check_fresh(pending)
        if progress:
            print(f"[1/3] training {config!r} in {pending}")
        trained = _train(config, pending, resume, progress)
        name = config.system or Path(config.data_path).stem
        with translated(out, _kept_after_training(out, pending)):
            staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new."))
        try:
            analysis, summary = _analyse_into(
                staging, trained, name, out, max_period, progress, evaluation_steps
            )
        except (OSError, FileSystemFault) as error:
            shutil.rmtree(staging, ignore_errors=True)
            fault = as_fault(error, out, _kept_after_training(out, pending))
            if fault is None:
                raise
            raise fault from error
        except (UserInputError, SearchTooLargeError) as error:
            shutil.rmtree(staging)
            raise UserInputError(
                f"{error}; the trained model is kept in {pending}: change the option and rerun "
                "with --resume to analyse it"
            ) from error
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            pending.rename(staging / RUN_FOLDER)
            swap_into_place(staging, out, checked)
        except OutputChangedError:
            raise
        except BaseException as error:  # Ctrl-C or a fault: the training run goes back to OUT.run
            if (staging / RUN_FOLDER).is_dir():
                (staging / RUN_FOLDER).rename(pending)
            shutil.rmtree(staging, ignore_errors=True)
            fault = as_fault(error, out, _kept_after_training(out, pending))
            if fault is None:
                raise
            raise fault from error
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
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an earlier report of run (only that)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the training kept in OUT.run, then report"
    )
    parser.add_argument("--epochs", type=int, help="training epochs (default: the recipe's)")
    parser.add_argument("--M", type=int, help="latent units")
    parser.add_argument("--P", type=int, help="piecewise-linear units")
    parser.add_argument("--seed", type=int, help="training seed")
    parser.add_argument("--max-period", type=int, help="largest cycle period analysed")
    parser.add_argument(
        "--evaluation-steps",
        type=int,
        default=100_000,
        help="steps of each of the 5 free runs measured against the held-out data",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress output")
    parser.set_defaults(run=_run_command)


def _resume_hint(args: argparse.Namespace, out: str) -> str:
    source = args.system or (f"--data {args.data}" if args.data else "")
    return " ".join(["pwl-analysis run", source, f"--out {out}", "--resume"]).replace("  ", " ")


def _run_command(args: argparse.Namespace) -> int:
    from training.checkpoint import TRAINING_STATE

    if args.system is not None and args.data is not None:
        raise UserInputError("give exactly one of a system name and --data FILE")
    if not args.resume and args.system is None and args.data is None:
        raise UserInputError("give exactly one of a system name and --data FILE")
    if args.out is None and args.system is None and args.data is None:
        raise UserInputError("--resume needs the report folder: --out DIR")
    options = {"epochs": args.epochs, "M": args.M, "P": args.P, "seed": args.seed}
    out = args.out or f"report_{args.system or Path(args.data).stem}"
    pending = training_folder(out)
    try:
        result = run_pipeline(
            args.system,
            out,
            data=args.data,
            overwrite=args.overwrite,
            resume=args.resume,
            progress=not args.no_progress,
            max_period=args.max_period,
            evaluation_steps=args.evaluation_steps,
            **{k: v for k, v in options.items() if v is not None},
        )
    except KeyboardInterrupt:
        if (pending / TRAINING_STATE).is_file():
            message = (
                f"interrupted; the last completed epoch is saved in {pending}. "
                f"Continue with: {_resume_hint(args, out)}"
            )
        else:
            message = "interrupted before training started; nothing was written"
        print(f"\npwl-analysis run: {message}", file=sys.stderr)
        return 130
    except RuntimeError as error:
        from training.loop import DivergenceError  # torch only once training has started

        if not isinstance(error, DivergenceError):
            raise
        print(f"pwl-analysis run: {error}; the run is kept in {pending}", file=sys.stderr)
        return 1
    print(result)
    return 0
