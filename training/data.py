"""Training data: one trajectory (T, N), z-scored, split into a training and a held-out part.

Built-in systems are integrated with :func:`scipy.integrate.solve_ivp` (DOP853):

- Lorenz-63:  ẋ = σ(y − x),  ẏ = x(ρ − z) − y,  ż = xy − βz,  σ = 10, ρ = 28, β = 8/3,
  sampled at dt = 0.01 (the sampling of the published Lorenz-63 benchmark data);
- Rössler:    ẋ = −y − z,  ẏ = x + ay,  ż = b + z(x − c),  a = b = 0.2, c = 5.7, dt = 0.08.

Files are ``.npy`` arrays or ``.csv`` tables (comma separated, an optional header line) of
shape (T, N).  Every series is z-scored with the mean and standard deviation of its training
part; the last ``test_fraction`` of the points is held out for the DSR metrics.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

from pwl_analysis.errors import UserInputError


class DataError(UserInputError):
    """A time series that cannot be used for training.

    Raised where the data enter (:func:`load_series`, and :func:`training.train` before the
    first step) for a series that is not a finite (T, N) array with T ≥ 2, has a constant
    column (it cannot be z-scored), an unknown built-in name, a ``test_fraction`` outside
    [0, 1), more dimensions than the model has units or fewer training points than one
    window.  It is a :class:`~pwl_analysis.errors.UserInputError`, hence a ``ValueError``;
    the message names the bad value in one sentence.

    Examples
    --------
    A file whose second column never changes, one with two missing values, and a held-out
    fraction that leaves nothing to train on:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from training import DataError, load_series
    >>> t = np.arange(10.0)
    >>> gaps = np.where(np.isin(t, [4, 7]), np.nan, t)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name, columns in [("flat", [t, np.ones(10)]), ("gaps", [t, gaps])]:
    ...         path = Path(folder, f"{name}.npy")
    ...         np.save(path, np.column_stack(columns))
    ...         try:
    ...             load_series(path)
    ...         except DataError as error:
    ...             print(str(error).replace(folder, "FOLDER"))
    FOLDER/flat.npy has constant column(s) [1]: they cannot be z-scored
    FOLDER/gaps.npy contains 2 NaN or infinite value(s), first in row 4
    >>> load_series("rossler", length=100, test_fraction=1.0)
    Traceback (most recent call last):
    ...
    training.data.DataError: test_fraction must be in [0, 1), got 1.0
    >>> issubclass(DataError, ValueError)
    True
    """


def _lorenz63(_t, u, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    x, y, z = u
    return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def _rossler(_t, u, a=0.2, b=0.2, c=5.7):
    x, y, z = u
    return np.array([-y - z, x + a * y, b + z * (x - c)])


#: name -> (vector field, default dt, initial condition, transient in time units)
SYSTEMS = {
    "lorenz63": (_lorenz63, 0.01, np.array([1.0, 1.0, 1.0]), 20.0),
    "rossler": (_rossler, 0.08, np.array([1.0, 1.0, 0.0]), 200.0),
}


def _toy_ecg() -> np.ndarray:
    from training.ecg import toy_ecg_embedding

    return toy_ecg_embedding()


#: name -> loader of a recorded (T, N) series (not simulated: ``length``, ``dt`` do not apply)
RECORDINGS = {"ecg": _toy_ecg}


@dataclass(frozen=True)
class Series:
    """A z-scored trajectory split into training and held-out parts.

    Attributes
    ----------
    train : ndarray, shape (T_train, N), float32
        (x − mean) / std for the training part.
    test : ndarray, shape (T_test, N), float32
        The held-out part, normalised with the training statistics.
    mean, std : ndarray, shape (N,)
        The normalisation: raw = mean + std · normalised.
    source : str
        System name or file path.
    dt : float or None
        Sampling interval of a built-in system.

    Examples
    --------
    500 samples of the Rössler system at its Δt = 0.08, the last 20 % held out; the
    training part has mean 0 and standard deviation 1 in each column (to float32 rounding),
    and the held-out part is the raw series z-scored with the training statistics:

    >>> import numpy as np
    >>> from training import load_series
    >>> from training.data import simulate
    >>> series = load_series("rossler", length=500, test_fraction=0.2)
    >>> series
    Series(rossler: N=3, T_train=400, T_test=100, dt=0.08)
    >>> series.train.shape, series.test.shape, series.train.dtype
    ((400, 3), (100, 3), dtype('float32'))
    >>> mean, std = series.train.mean(axis=0), series.train.std(axis=0)
    >>> bool(np.abs(mean).max() < 1e-6), bool(np.abs(std - 1).max() < 1e-6)  # float32: ε ≈ 1e-7
    (True, True)
    >>> raw = simulate("rossler", 500, dt=0.08)
    >>> np.array_equal(series.test, ((raw[400:] - series.mean) / series.std).astype(np.float32))
    True
    """

    train: np.ndarray
    test: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    source: str
    dt: float | None

    @property
    def N(self) -> int:
        """Number of observed dimensions."""
        return self.train.shape[1]

    def __repr__(self) -> str:
        return (
            f"Series({self.source}: N={self.N}, T_train={len(self.train)}, "
            f"T_test={len(self.test)}, dt={self.dt})"
        )

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "dt": self.dt,
            "N": self.N,
            "T_train": len(self.train),
            "T_test": len(self.test),
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
        }


def simulate(system: str, length: int, dt: float | None = None, seed: int = 0) -> np.ndarray:
    """Integrate a built-in system: ``length`` samples every ``dt``, after a transient.

    The initial condition is the system's default plus N(0, 0.1²) noise drawn with ``seed``.
    """
    if system not in SYSTEMS:
        raise DataError(f"unknown system {system!r}; choose one of {', '.join(SYSTEMS)}")
    field, default_dt, u0, transient = SYSTEMS[system]
    dt = default_dt if dt is None else float(dt)
    if dt <= 0 or length < 2:
        raise DataError(f"need dt > 0 and length ≥ 2, got dt = {dt}, length = {length}")
    u0 = u0 + 0.1 * np.random.default_rng(seed).standard_normal(u0.shape)
    times = transient + dt * np.arange(length)
    solution = solve_ivp(
        field, (0.0, times[-1]), u0, t_eval=times, method="DOP853", rtol=1e-8, atol=1e-8
    )
    if not solution.success:
        raise DataError(f"integrating {system} failed: {solution.message}")
    return solution.y.T


def read_series(path: str | Path) -> np.ndarray:
    """A (T, N) float64 array from an ``.npy`` or ``.csv`` file (no pickled objects).

    A ``.npy`` file must hold an integer or real array; a ``.csv`` file numbers separated by
    commas, the same count on every line, after an optional header line.  Anything else is a
    :class:`DataError` naming the file and, for a CSV file, the first bad line.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no data file at {path}")
    if path.suffix not in (".npy", ".csv"):
        raise DataError(f"{path}: expected a .npy or .csv file of shape (T, N)")
    if not stat.S_ISREG(path.stat().st_mode):
        raise DataError(f"{path} is not a regular file (a folder, pipe or device)")
    data = _read_npy(path) if path.suffix == ".npy" else _read_csv(path)
    return np.asarray(data, dtype=np.float64)


def _read_npy(path: Path) -> np.ndarray:
    try:
        data = np.load(path, allow_pickle=False)
    except ValueError as error:
        if "Object arrays" in str(error):
            raise DataError(
                f"{path} holds Python objects (dtype object), not numbers: save a float array "
                "of shape (T, N)"
            ) from error
        raise DataError(f"{path} is not a readable .npy array ({error})") from error
    except EOFError as error:
        raise DataError(f"{path} is not a readable .npy array (it ends early)") from error
    if not isinstance(data, np.ndarray):
        data.close()
        raise DataError(f"{path} is an .npz archive, not one .npy array of shape (T, N)")
    if data.dtype.kind not in "iuf":
        raise DataError(f"{path} holds values of type {data.dtype}, not real numbers")
    return data


def _read_csv(path: Path) -> np.ndarray:
    try:
        lines = path.read_text().splitlines()
    except UnicodeDecodeError as error:
        raise DataError(f"{path} is not a text file (byte {error.start} is not UTF-8)") from error
    rows = [line for line in lines if line.split("#")[0].strip()]
    first = rows[0] if rows else ""
    header = any(c.isalpha() and c not in "eE" for c in first.replace("nan", ""))
    rows = rows[int(header) :]
    if not rows:
        raise DataError(f"{path} holds no rows of numbers")
    try:
        return np.loadtxt(rows, delimiter=",", ndmin=2)
    except ValueError as error:
        raise DataError(f"{path}: {_csv_problem(rows, int(header))}") from error


def _csv_problem(rows: list[str], header: int) -> str:
    """The first line of a CSV series that is not comma-separated numbers, in words."""
    width = None
    for number, row in enumerate(rows, 1 + header):  # blank lines are not counted
        cells = row.split("#")[0].split(",")
        for column, cell in enumerate(cells, 1):
            try:
                float(cell)
            except ValueError:
                separator = next((c for c in ";\t|" if c in cell), None)
                if separator is not None:
                    return (
                        f"row {number} is separated by {separator!r}; the columns of a CSV "
                        "series must be separated by commas"
                    )
                return f"row {number}, column {column} holds {cell.strip()!r}, not a number"
        if width is None:
            width = (number, len(cells))
        elif len(cells) != width[1]:
            return (
                f"row {number} has {len(cells)} values where row {width[0]} has {width[1]}; "
                "every row of a CSV series needs the same number of columns"
            )
    return "not a table of comma-separated numbers"


def check_series(x: np.ndarray, name: str = "series") -> np.ndarray:
    """Raise :class:`DataError` for a series that is not a finite (T, N) array with no
    constant column; a 1-D series becomes (T, 1)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        raise DataError(f"{name} must have shape (T, N) with T ≥ 2, got {x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise DataError(
            f"{name} contains {int(bad.sum())} NaN or infinite value(s), first in row {rows[0]}"
        )
    constant = np.flatnonzero(x.std(axis=0) == 0)
    if constant.size:
        raise DataError(
            f"{name} has constant column(s) {constant.tolist()}: they cannot be z-scored"
        )
    return x


def held_out(T: int, test_fraction: float) -> int:
    """The points held out at the end of a series of T points: round(test_fraction · T)."""
    return round(test_fraction * T)


def check_fit(source: str, N: int, T_train: int, M: int, seq_len: int) -> None:
    """Raise :class:`DataError` unless an AL-RNN of M units can train on the series.

    The model observes the N dimensions in its first N units (N ≤ M), and each step of
    training reads a window of seq_len + 1 points of the T_train training points.
    """
    if N > M:
        raise DataError(f"the data {source} have N = {N} dimensions, more than M = {M} units")
    if T_train < seq_len + 1:
        raise DataError(
            f"the training part of {source} has {T_train} points, fewer than "
            f"seq_len + 1 = {seq_len + 1}"
        )


def check_data(config) -> int:
    """Check the data a :class:`~training.config.TrainConfig` names before anything is trained.

    A file or a recording is read and checked as :func:`load_series` reads it (numbers, shape
    (T, N), finite, no constant column); a built-in system is not simulated, its N and length
    being known.  Then :func:`check_fit` with the configuration's M and ``seq_len``.

    Returns
    -------
    int
        N, the number of observed dimensions.

    Raises
    ------
    DataError, FileNotFoundError
        The data cannot be read or do not fit the model; the message names the file.
    """
    source = config.data_path or config.system
    if source not in SYSTEMS:
        series = load_series(source, test_fraction=config.test_fraction)
        N, T_train = series.N, len(series.train)
    else:
        N = len(SYSTEMS[source][2])
        T_train = config.length - held_out(config.length, config.test_fraction)
    check_fit(source, N, T_train, config.M, config.seq_len)
    return N


def split_and_normalise(
    x: np.ndarray, test_fraction: float, source: str, dt: float | None = None
) -> Series:
    """Hold out the last ``test_fraction`` of x and z-score both parts with training stats."""
    x = check_series(x, source)
    if not 0 <= test_fraction < 1:
        raise DataError(f"test_fraction must be in [0, 1), got {test_fraction}")
    n_test = held_out(x.shape[0], test_fraction)
    train, test = x[: x.shape[0] - n_test], x[x.shape[0] - n_test :]
    check_series(train, f"training part of {source}")
    mean, std = train.mean(axis=0), train.std(axis=0)
    return Series(
        train=((train - mean) / std).astype(np.float32),
        test=((test - mean) / std).astype(np.float32),
        mean=mean,
        std=std,
        source=source,
        dt=dt,
    )


def load_series(
    system_or_path: str | Path,
    length: int = 100_000,
    dt: float | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> Series:
    """Training data from a built-in system name or a ``.npy``/``.csv`` file.

    Parameters
    ----------
    system_or_path : str or Path
        ``"lorenz63"``, ``"rossler"``, ``"ecg"`` (the delay-embedded toy ECG of
        :mod:`training.ecg`), or a file holding a (T, N) array.
    length : int
        Number of samples to simulate (built-in systems only).
    dt : float, optional
        Sampling interval (built-in systems only); defaults to the system's.
    test_fraction : float
        Fraction of the series, at its end, held out for evaluation.
    seed : int
        Seed of the initial condition (built-in systems only).

    Returns
    -------
    Series
        The z-scored training part and the held-out part with the normalisation.

    Raises
    ------
    DataError
        Unknown system, NaN or infinite values, constant columns, wrong shape.
    FileNotFoundError
        The file does not exist.

    See Also
    --------
    Series : the record returned, with an example on a built-in system.

    Examples
    --------
    A CSV file with a header line: 1,000 points of a circle, the last 100 held out:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from training import load_series
    >>> t = 2 * np.pi * np.arange(1000) / 100  # ten turns, 100 points each
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder, "circle.csv")
    ...     np.savetxt(path, np.column_stack([np.cos(t), np.sin(t)]), delimiter=",",
    ...                header="x,y", comments="")
    ...     series = load_series(path, test_fraction=0.1)
    >>> series.N, len(series.train), len(series.test), series.dt
    (2, 900, 100, None)

    Nine whole turns make the training mean 0 and the standard deviation 1/√2 per column:

    >>> bool(np.abs(series.mean).max() < 1e-12), np.round(series.std**2, 12).tolist()
    (True, [0.5, 0.5])
    """
    name = str(system_or_path)
    if name in RECORDINGS:
        return split_and_normalise(RECORDINGS[name](), test_fraction, name)
    if name in SYSTEMS:
        dt = SYSTEMS[name][1] if dt is None else float(dt)
        return split_and_normalise(simulate(name, length, dt, seed), test_fraction, name, dt)
    return split_and_normalise(read_series(system_or_path), test_fraction, name)
