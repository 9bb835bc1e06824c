"""The ``pwl-analysis`` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

from pwl_analysis._filesystem import fault_of, shown
from pwl_analysis.app._search_options import (
    add_search_options,
    parameter_of,
    read_box,
    search_method,
)
from pwl_analysis.app.analysis import analyze, attractor_exact_graph
from pwl_analysis.app.batch import analyze_many
from pwl_analysis.app.run import add_run_command
from pwl_analysis.app.skeleton_reference import FLOW_SYSTEMS, reference_for, run_time_step
from pwl_analysis.app.sweep import SweepConfig, sweep
from pwl_analysis.app.train import add_train_command
from pwl_analysis.bifurcation import bifurcations
from pwl_analysis.coarse import CODINGS
from pwl_analysis.entropy import entropy_bounds
from pwl_analysis.errors import BudgetError, Remedy, UserInputError
from pwl_analysis.free_runs import free_run
from pwl_analysis.graph import empirical_graph, graph_to_json, write_graph
from pwl_analysis.latex import write_latex
from pwl_analysis.loading import MODEL_TYPES, load_model
from pwl_analysis.methods import SEARCH_METHODS
from pwl_analysis.orbit_skeleton import skeleton, skeleton_table
from pwl_analysis.orbit_table import orbit_rows, text_table
from pwl_analysis.orbits import CycleSet
from pwl_analysis.rational import rationalize
from pwl_analysis.skeleton_comparison import compare_skeletons
from pwl_analysis.topology import graph_topology

#: Anticipated failures, reported as one sentence and exit status 2 instead of a traceback:
#: bad input raised where it enters (UserInputError, among them the budgets of the searches
#: and the file-system faults the writers name with what they kept), file-system errors on the
#: user's paths, a missing optional dependency, and requests too large for memory or for
#: machine integers.  Any other OSError whose errno is a file-system fault (a full disk met
#: where no writer said what it kept: ``pwl_analysis._filesystem.FAULTS``) is one sentence
#: too.  Anything else is a bug and keeps its traceback.
USER_ERRORS = (
    UserInputError,
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
    zipfile.BadZipFile,
    ImportError,
    MemoryError,
    OverflowError,
)


def _sentence(error: BaseException, flags: dict[str, str] | None = None) -> str:
    """The one-line message of an anticipated failure, in the command line's words.

    A :class:`BudgetError` (or an error raised from one) names Python parameters
    (``lower max_period= to 12``, ``use method=Scyfi()``); they are spelled here as the
    command's options (``lower --max-period to 12``, ``use --method scyfi``), and a remedy
    the command has no option for is left out.  ``flags``: Python parameter → option.
    """
    message = " ".join(str(error).split())
    budget = error if isinstance(error, BudgetError) else error.__cause__
    if isinstance(budget, BudgetError) and flags is not None:
        spelled = budget.sentence(lambda remedy: _spell(remedy, flags))
        message = message.replace(" ".join(str(budget).split()), " ".join(spelled.split()))
    if isinstance(error, MemoryError):
        return f"not enough memory ({message or 'MemoryError'}): lower the size options"
    if isinstance(error, OverflowError):
        return f"a number is too large for this computation ({message})"
    if isinstance(error, OSError) and error.filename is not None and fault_of(error):
        return f"{shown(error.filename)}: {fault_of(error)} ({error.strerror})"
    return message


def _spell(remedy: Remedy, flags: dict[str, str]) -> str | None:
    """A remedy in the command line's words, or None where the command has no such option."""
    if remedy.parameter not in flags:
        return None
    if remedy.parameter == "method":
        names = {cls.__name__: name for name, cls in SEARCH_METHODS.items()}
        return f"use --method {names[remedy.value]}" if remedy.value in names else None
    target = "" if remedy.value is None else f" to {remedy.value}"
    return f"{remedy.action} {flags[remedy.parameter]}{target}"


def _flags(parser: argparse.ArgumentParser, command: str) -> dict[str, str]:
    """Python parameter → the option of ``command`` that sets it (its first long flag)."""
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    flags = {}
    for action in subparsers.choices[command]._actions:
        long = [flag for flag in action.option_strings if flag.startswith("--")]
        if long and action.dest != "help":
            flags.setdefault(parameter_of(action.dest), long[0])
    return flags


_RATIONALIZE_HELP = "simplest rational weights (within float rounding), analysed exactly"


def _cycle_table(result: CycleSet, coarse: list[str] | None) -> str:
    lines = [text_table(orbit_rows(result, coarse))]
    lines += [f"  {degenerate!r}" for degenerate in result.degenerate]
    lines.append(
        f"{len(result)} orbit(s) of period ≤ {result.max_period}; method: {result.method}; "
        f"{result.words_tried} region words solved; "
        + ("complete." if result.complete else "NOT a completeness guarantee.")
    )
    return "\n".join(lines)


def _cycles_command(args: argparse.Namespace) -> None:
    m = load_model(args.model, P=args.P, model_type=args.model_type)
    coding = None if args.coding is None else CODINGS[args.coding](m)
    result = m.cycles(args.max_period, method=search_method(args), progress=not args.json)
    coarse = None if coding is None else [coding.name(cycle) for cycle in result]
    if args.json:
        records = [cycle.to_dict() for cycle in result]
        for record, word in zip(records, coarse or []):
            record["coarse_word"] = word
        print(json.dumps(records, indent=1))
    else:
        print(f"{m}\n" + _cycle_table(result, coarse))


def _add_cycles(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("cycles", help="every fixed point and cycle, exactly")
    parser.add_argument("model", help=".pt state_dict, .npz archive or training run folder")
    parser.add_argument("--max-period", type=int, default=1, help="largest period K (default 1)")
    parser.add_argument("--P", type=int, default=None, help="piecewise-linear units (for .pt)")
    parser.add_argument(
        "--model-type", choices=list(MODEL_TYPES), help="model class, where the file does not say"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list of orbits")
    parser.add_argument(
        "--coding", choices=sorted(CODINGS), help="name each cycle by its coarse L/R or 0/1 word"
    )
    add_search_options(parser)
    parser.set_defaults(run=_cycles_command)


def _add_model_type(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model-type", choices=list(MODEL_TYPES), help="model class, where the file does not say"
    )


def _entropy_command(args: argparse.Namespace) -> None:
    m = load_model(args.model, P=args.P, model_type=args.model_type)
    bounds = entropy_bounds(
        m,
        args.max_length,
        box=read_box(args.box),
        progress=not args.json,
        max_decisions=args.max_decisions,
    )
    if args.json:
        print(json.dumps(bounds.to_dict(), indent=1))
    else:
        print(f"{m}\n{bounds!r}\n  upper: {bounds.upper_how}\n  lower: {bounds.lower_how}")


def _add_entropy(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("entropy", help="bounds on the topological entropy")
    parser.add_argument("model", help=".pt state_dict, .npz archive or training run folder")
    parser.add_argument("--P", type=int, default=None, help="piecewise-linear units (for .pt)")
    _add_model_type(parser)
    parser.add_argument(
        "--max-length", type=int, default=12, help="longest admissible word (default 12)"
    )
    parser.add_argument(
        "--max-decisions",
        type=int,
        help="budget of candidate words decided (default 10000 LPs, 10^6 for M ≤ 2)",
    )
    parser.add_argument(
        "--box",
        nargs=2,
        metavar=("LOWER", "UPPER"),
        help="box, each a number or comma-separated per coordinate (default: a free run's box)",
    )
    parser.add_argument("--json", action="store_true", help="print the bounds as JSON")
    parser.set_defaults(run=_entropy_command)


def _add_dask_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://…)")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _sweep_command(args: argparse.Namespace) -> int:
    out = args.out or Path(args.config).stem
    config = SweepConfig.from_file(args.config)
    result = sweep(config, out, args.scheduler, args.workers, progress=not args.no_progress)
    print(result)
    if result.failed:
        print(
            f"pwl-analysis sweep: {result.failed} of {len(result.rows)} runs failed; "
            f"their errors are in {result.table} and {Path(out) / 'failed'}",
            file=sys.stderr,
        )
        return 1
    return 0


def _add_sweep(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("sweep", help="train and analyse a grid of models on Dask")
    parser.add_argument("config", help=".toml or .json sweep configuration")
    parser.add_argument("--out", help="sweep folder (default: the configuration's name)")
    _add_dask_options(parser)
    parser.set_defaults(run=_sweep_command)


def _analyze_many_command(args: argparse.Namespace) -> None:
    options = dict(out=args.out, P=args.P, max_period=args.max_period)
    engine = dict(scheduler=args.scheduler, workers=args.workers, progress=not args.no_progress)
    print(analyze_many(args.folder, **options, **engine))


def _add_analyze_many(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("analyze-many", help="analyse every checkpoint in a folder")
    parser.add_argument("folder", help="folder of run folders, .npz and .pt files")
    parser.add_argument("--P", type=int, default=None, help="piecewise-linear units (for .pt)")
    parser.add_argument("--max-period", type=int, help="largest cycle period (default: cheap)")
    parser.add_argument("--out", help="reports and analysis.csv (default: FOLDER/analysis)")
    _add_dask_options(parser)
    parser.set_defaults(run=_analyze_many_command)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=".pt state_dict, .npz archive or training run folder")
    parser.add_argument("--P", type=int, default=None, help="piecewise-linear units (for .pt)")
    _add_model_type(parser)
    parser.add_argument("--steps", type=int, default=10_000, help="free-run length (10000)")
    parser.add_argument("--transient", type=int, default=1_000, help="steps dropped (1000)")


def _graph_command(args: argparse.Namespace) -> None:
    m = load_model(args.model, P=args.P, model_type=args.model_type)
    orbit = free_run(m, args.steps, args.transient)
    cycles = m.fixed_points()
    graph = (attractor_exact_graph if args.exact else empirical_graph)(m, orbit, cycles)
    if args.graphml:
        print(f"wrote {write_graph(graph, args.graphml)}")
    elif args.json:
        print(json.dumps(graph_to_json(graph), indent=1))
    else:
        print(graph_topology(graph, cycles))


def _add_graph(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("graph", help="symbolic graph of the attractor, and its topology")
    _add_run_options(parser)
    parser.add_argument("--exact", action="store_true", help="LP-certified graph in the run's box")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print networkx node-link JSON")
    output.add_argument("--graphml", metavar="FILE", help="write the graph as GraphML")
    parser.set_defaults(run=_graph_command)


def _latex_command(args: argparse.Namespace) -> None:
    m = load_model(args.model, P=args.P, model_type=args.model_type)
    rational = rationalize(m) if args.rationalize else None
    m = m if rational is None else rational.map
    text = m.to_latex(
        name=Path(args.model).stem,
        digits=args.digits,
        exact=args.exact or rational is not None,
        fragment=args.fragment,
        cycles=m.cycles(args.max_period),
        rationalization=rational,
    )
    if rational is not None:
        print(rational.describe() + ("\n" + rational.weights_text() if m.M <= 6 else ""))
    print(f"wrote {write_latex(args.output, text)}")


def _add_latex(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("latex", help="the map, its regions and orbits as LaTeX")
    parser.add_argument("model", help=".pt state_dict, .npz archive or training run folder")
    parser.add_argument("-o", "--output", required=True, help="the .tex file to write")
    parser.add_argument("--P", type=int, default=None, help="piecewise-linear units (for .pt)")
    _add_model_type(parser)
    parser.add_argument("--fragment", action="store_true", help="body only, for \\input")
    parser.add_argument("--exact", action="store_true", help="coefficients as exact rationals")
    parser.add_argument("--rationalize", action="store_true", help=_RATIONALIZE_HELP)
    parser.add_argument("--digits", type=int, default=4, help="significant digits (4)")
    parser.add_argument("--max-period", type=int, default=1, help="orbits listed up to (1)")
    parser.set_defaults(run=_latex_command)


def _analyze_command(args: argparse.Namespace) -> None:
    m = load_model(args.model, P=args.P, model_type=args.model_type)
    name = Path(args.model).stem
    options = {"max_period": args.max_period, "steps": args.steps, "transient": args.transient}
    options["rationalize"] = args.rationalize
    print(analyze(m, args.out, name=name, progress=True, **options))


def _add_analyze(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("analyze", help="full report: JSON, LaTeX, graphs, figures")
    _add_run_options(parser)
    parser.add_argument("--out", required=True, help="folder to write the report into")
    parser.add_argument("--max-period", type=int, default=None, help="cycles up to (cheap K)")
    parser.add_argument("--rationalize", action="store_true", help=_RATIONALIZE_HELP)
    parser.set_defaults(run=_analyze_command)


def _skeleton_command(args: argparse.Namespace) -> None:
    m = load_model(args.model, P=args.P, model_type=args.model_type)
    coding = CODINGS[args.coding](m)
    time_step = run_time_step(Path(args.model)) if args.time_step is None else args.time_step
    reference = None
    if args.against is not None and args.against not in FLOW_SYSTEMS:  # read before the search
        reference = reference_for(args.against, coding, args.max_word_length, time_step)
    found = skeleton(
        m,
        coding,
        max_word_length=args.max_word_length,
        max_loops=args.max_loops,
        n_steps=args.n_steps,
        time_step=time_step,
        progress=not args.json,
    )
    if args.against in FLOW_SYSTEMS:  # after the search, whose budgets are checked first
        reference = reference_for(args.against, coding, args.max_word_length, time_step)
    against = None
    if reference is not None:
        against = compare_skeletons(found, reference, observation=coding.observation)
    if args.json:
        record = found.to_dict() | {"against": None if against is None else against.to_dict()}
        print(json.dumps(record, indent=1))
    else:
        print(f"{m}\n{skeleton_table(found)}\n{found!r}")
        if against is not None:
            print(f"\n{against}")


def _add_skeleton(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "skeleton", help="exact cycles of every coarse Lyndon word (L/R, 0/1) up to a length"
    )
    parser.add_argument("model", help=".pt state_dict, .npz archive or training run folder")
    parser.add_argument("--P", type=int, default=None, help="piecewise-linear units (for .pt)")
    _add_model_type(parser)
    parser.add_argument("--coding", choices=sorted(CODINGS), required=True, help="coarse coding")
    parser.add_argument(
        "--max-word-length", type=int, default=6, help="longest Lyndon word, in loops (6)"
    )
    parser.add_argument(
        "--max-loops", type=int, default=3, help="turns r of the powers w^r searched (3)"
    )
    parser.add_argument(
        "--steps",
        dest="n_steps",
        type=int,
        default=150_000,
        help="length of each of the 16 free runs (150000)",
    )
    parser.add_argument(
        "--against",
        metavar="SYSTEM_OR_DATA",
        help=f"compare with a flow's periodic orbits ({', '.join(FLOW_SYSTEMS)}) or with the "
        "close returns of a recorded (T, N) .npy/.csv series",
    )
    parser.add_argument(
        "--time-step",
        type=float,
        help="Δt of a map step in the flow's time units (default: the run folder's; else "
        "estimated from the flow's periods)",
    )
    parser.add_argument("--json", action="store_true", help="print the skeleton as JSON")
    parser.set_defaults(run=_skeleton_command)


def _bifurcations_command(args: argparse.Namespace) -> None:
    ends = [load_model(path, P=args.P, model_type=args.model_type) for path in args.models]
    found = bifurcations(*ends, max_period=args.max_period, max_words=args.max_words)
    print(json.dumps(found.to_dict(), indent=1) if args.json else repr(found))


def _add_bifurcations(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "bifurcations", help="every bifurcation of the cycles on the segment between two models"
    )
    parser.add_argument("models", nargs=2, metavar="MODEL", help="the path's ends, M0 and M1")
    parser.add_argument("--max-period", type=int, default=1, help="largest period K (default 1)")
    parser.add_argument(
        "--max-words", type=int, default=100_000, help="budget of region words (100000)"
    )
    parser.add_argument("--P", type=int, default=None, help="piecewise-linear units (for .pt)")
    _add_model_type(parser)
    parser.add_argument("--json", action="store_true", help="print the events as JSON")
    parser.set_defaults(run=_bifurcations_command)


def build_parser() -> argparse.ArgumentParser:
    """The ``pwl-analysis`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="pwl-analysis",
        description="Exact analysis of trained Almost-Linear RNNs (piecewise-linear RNNs).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_cycles(commands)
    _add_graph(commands)
    _add_entropy(commands)
    _add_latex(commands)
    _add_analyze(commands)
    add_train_command(commands)
    add_run_command(commands)
    _add_sweep(commands)
    _add_analyze_many(commands)
    _add_skeleton(commands)
    _add_bifurcations(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pwl-analysis`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.run(args)
    except USER_ERRORS as error:
        message = _sentence(error, _flags(parser, args.command))
        print(f"pwl-analysis {args.command}: error: {message}", file=sys.stderr)
        return 2
    except OSError as error:
        if fault_of(error) is None:
            raise
        message = _sentence(error, _flags(parser, args.command))
        print(f"pwl-analysis {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\npwl-analysis {args.command}: interrupted", file=sys.stderr)
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
