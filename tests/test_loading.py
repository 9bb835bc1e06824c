"""Loading official state_dicts, .npz archives and run folders; bad files fail clearly.

Hostile ``.pt`` files are hand-written (``crafted``) and read by both readers: ``torch.load``
where torch is installed, and the torch-free reader that ``load_model`` uses without torch.
"""

import io
import pickle
import re
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pwl_analysis import ModelError, PWLMap, _pytorch_zip, load_model, loading
from pwl_analysis.loading import read_state_dict

from crafted import (
    Build,
    Call,
    Global,
    PersistentId,
    alrnn_checkpoint,
    float32_records,
    opcodes,
    ordered_dict,
    state_dict_pickle,
    storage,
    tensor,
    write_checkpoint,
    zip_bomb,
)
from systems import reference_file

READERS = ["torch.load", "torch-free"]


def _torch():
    return pytest.importorskip("torch")


def _torch_free():
    """Context in which load_model and read_state_dict behave as where torch is not installed."""
    return mock.patch.object(loading, "_torch_module", lambda: None)


@pytest.fixture(params=READERS)
def reader(request):
    """Run the test once with torch.load (skipped without torch) and once torch-free."""
    if request.param == "torch.load":
        _torch()
        yield request.param
    else:
        with _torch_free():
            yield request.param


def test_official_models_load_with_their_sizes(reader):
    small = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    large = load_model(reference_file("lorenz_m30_p10.pt"), P=10)
    assert (small.M, small.P, large.M, large.P) == (20, 2, 30, 10)


def test_official_model_weights_equal_torch_load(reader):
    torch = _torch()
    path = reference_file("lorenz_m20_p2.pt")
    state = torch.load(path, weights_only=True)
    m = load_model(path, P=2)
    np.testing.assert_array_equal(np.diag(m.A), state["A"].numpy())  # A is a strided view
    np.testing.assert_array_equal(m.W, state["W"].numpy())
    np.testing.assert_array_equal(m.h, state["h"].numpy())


def test_official_model_has_four_fixed_points(reader):
    # The reference: lorenz_m20_p2 has 4 fixed points and no cycles of period 2–8.
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    assert len(m.fixed_points()) == 4


def test_state_dict_written_by_torch_round_trips(tmp_path, reader):
    torch = _torch()
    rng = np.random.default_rng(0)
    state = {
        "A": torch.tensor(rng.normal(size=4)),
        "W": torch.tensor(rng.normal(size=(4, 4))).float(),
        "h": torch.tensor(rng.normal(size=4)),
        "B": torch.zeros(2, 4),
    }
    torch.save(state, tmp_path / "m.pt")
    m = load_model(tmp_path / "m.pt", P=1)
    np.testing.assert_array_equal(m.W, state["W"].double().numpy())


def test_npz_round_trip_and_P_check(tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "m.npz", A=rng.normal(size=3), W=rng.normal(size=(3, 3)), h=np.ones(3), P=2)
    assert load_model(tmp_path / "m.npz").P == 2
    with pytest.raises(ModelError, match="stores P = 2"):
        load_model(tmp_path / "m.npz", P=1)


def test_run_folder(tmp_path):
    np.savez(tmp_path / "model.npz", A=np.ones(2) * 0.5, W=np.eye(2), h=np.ones(2), P=1)
    assert load_model(tmp_path).M == 2
    with pytest.raises(ModelError, match=r"without a model\.npz"):
        load_model(tmp_path / "..")


def test_missing_keys_named(tmp_path):
    np.savez(tmp_path / "m.npz", A=np.ones(2), h=np.ones(2), P=1)
    with pytest.raises(ModelError, match="lacks W"):
        load_model(tmp_path / "m.npz")


def test_pt_needs_P(reader):
    with pytest.raises(ModelError, match="pass P"):
        load_model(reference_file("lorenz_m20_p2.pt"))


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no model at"):
        load_model("does/not/exist.pt", P=1)


def test_truncated_checkpoint(tmp_path, reader):
    data = reference_file("lorenz_m20_p2.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="cannot read"):
        load_model(tmp_path / "cut.pt", P=2)


def test_not_a_checkpoint(tmp_path, reader):
    (tmp_path / "junk.pt").write_text("hello")
    with pytest.raises(ModelError, match="cannot read"):
        load_model(tmp_path / "junk.pt", P=2)


class _Exploit:
    def __reduce__(self):
        return (print, ("pickled code ran",))


def test_pickled_code_is_never_executed(tmp_path, capsys, reader):
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", pickle.dumps({"A": _Exploit()}, protocol=2))
        archive.writestr("evil/version", "3\n")
    with pytest.raises(ModelError, match="refusing to run code"):
        read_state_dict(path)
    assert "pickled code ran" not in capsys.readouterr().out


def test_nan_weights_in_file(tmp_path):
    np.savez(tmp_path / "m.npz", A=np.ones(2), W=np.full((2, 2), np.nan), h=np.ones(2), P=1)
    with pytest.raises(ModelError, match="W contains 4 NaN"):
        load_model(tmp_path / "m.npz")


# ---- both readers agree on real checkpoints ----------------------------------------------


@pytest.mark.parametrize("name", ["lorenz_m20_p2.pt", "lorenz_m30_p10.pt"])
def test_reference_models_read_identically_by_both_readers(name):
    path = reference_file(name)
    _torch()
    with_torch = read_state_dict(path)
    with _torch_free():
        without_torch = read_state_dict(path)
    assert sorted(with_torch) == sorted(without_torch) == ["A", "B", "W", "h"]
    for key, array in with_torch.items():
        assert array.dtype == without_torch[key].dtype == np.float64
        np.testing.assert_array_equal(array, without_torch[key])


def test_torch_written_views_parameters_and_dtypes_read_identically(tmp_path):
    torch = _torch()
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    state = {
        "transposed": base.t(),
        "strided": base[1:, ::2],
        "column": base[:, 3],
        "parameter": torch.nn.Parameter(torch.linspace(-1, 1, 5, dtype=torch.float64)),
        "half": torch.tensor([0.5, -2.0], dtype=torch.float16),
        "integers": torch.arange(-3, 3),
        "scalar": torch.tensor(7.0),
        "empty": torch.zeros(0, 3),
    }
    torch.save(state, tmp_path / "views.pt")
    with _torch_free():
        arrays = read_state_dict(tmp_path / "views.pt")
    for key, value in state.items():
        np.testing.assert_array_equal(arrays[key], value.detach().double().numpy())
        assert arrays[key].shape == tuple(value.shape)


def test_import_does_not_import_torch():
    code = "import sys, pwl_analysis; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- the crafted files of issue 11 --------------------------------------------------------


def _refused(path, reader, torch_free_reason, P=1) -> str:
    """The one-line ModelError load_model raises for ``path``; checks the torch-free wording."""
    with pytest.raises(ModelError) as caught:
        load_model(path, P=P)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    if reader == "torch-free":
        assert torch_free_reason in message
    return message


def test_negative_stride_is_refused(tmp_path, reader):
    # Before: the torch-free reader segfaulted (exit 139) on this file.
    W = tensor(storage("1", 4), 3, (2, 2), (-1_000_000_000, 1))
    path = alrnn_checkpoint(tmp_path / "m.pt", W_entry=W)
    _refused(path, reader, "tensor 'W' has a negative stride -1000000000")


def test_negative_storage_offset_is_refused(tmp_path, reader):
    # Before: heap bytes next to the storage became W, exit 0.
    path = alrnn_checkpoint(tmp_path / "m.pt", W_entry=tensor(storage("1", 4), -1, (2, 2), (2, 1)))
    _refused(path, reader, "tensor 'W' has a negative storage offset -1")


def test_tensor_reaching_past_its_storage_is_refused(tmp_path, reader):
    W = tensor(storage("1", 4), 1, (2, 2), (2, 1))
    path = alrnn_checkpoint(tmp_path / "m.pt", W_entry=W)
    _refused(path, reader, "tensor 'W' reaches element 4 of storage '1', which has 4")


def test_stride_of_a_size_one_dimension_is_ignored(tmp_path, reader):
    # A stride along a dimension of size 1 is never used: torch accepts it, so do we.
    W = tensor(storage("1", 4), 0, (2, 1, 2), (2, 1 << 40, 1))
    h = tensor(storage("2", 2), 0, (2, 1), (1, 1 << 40))
    entries = {"A": tensor(storage("0", 2), 0, (2,), (1,)), "W": W, "h": h}
    records = float32_records([0.5, 0.5], [0.0, 1.0, 1.0, 0.0], [1.0, 1.0])
    path = write_checkpoint(tmp_path / "m.pt", state_dict_pickle(entries), records)
    np.testing.assert_array_equal(read_state_dict(path)["W"][:, 0, :], [[0, 1], [1, 0]])


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """A 2 MB checkpoint whose W storage expands to 2 GiB of zeros."""
    return zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.pt", 2 << 30)


def test_zip_bomb_is_refused_quickly_without_allocating(bomb, reader):
    # Before: 4.4 GB of memory and 30 s (torch.load: 2.3 GB, 20 s), then "loaded".
    assert bomb.stat().st_size < 3 << 20
    tracemalloc.start()
    start = time.perf_counter()
    try:
        _refused(bomb, reader, "would expand to 2147484")
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # only the zip directory and the message: far below 2 GiB
    assert elapsed < 5  # reading 2 GiB takes tens of seconds; refusing takes milliseconds


def test_archive_larger_than_the_limit_is_refused(tmp_path, reader, monkeypatch):
    path = alrnn_checkpoint(tmp_path / "m.pt")
    monkeypatch.setattr(loading, "MAX_CHECKPOINT_BYTES", 100)
    _refused(path, reader, "more than the limit of 100 bytes")


def test_eight_terabyte_zero_stride_tensor_is_refused(tmp_path, reader):
    # Before: a numpy MemoryError traceback; torch.load builds the view, then .double() would.
    W = tensor(storage("1", 4), 0, (1 << 20, 1 << 20), (0, 0))
    path = alrnn_checkpoint(tmp_path / "m.pt", W_entry=W)
    message = _refused(path, reader, "tensor 'W' of shape (1048576, 1048576) would fill more")
    assert "limit" in message


def test_zero_stride_within_the_limit_repeats_one_element(tmp_path, reader):
    W = tensor(storage("1", 4), 1, (2, 2), (0, 0))  # storage (0, 1, 1, 0): element 1 is 1
    path = alrnn_checkpoint(tmp_path / "m.pt", W_entry=W)
    np.testing.assert_array_equal(load_model(path, P=1).W, np.ones((2, 2)))


def test_integer_persistent_id_is_refused(tmp_path, reader):
    # Before: TypeError: 'int' object is not subscriptable.
    path = alrnn_checkpoint(tmp_path / "m.pt", W_entry=tensor(PersistentId(7), 0, (2, 2), (2, 1)))
    _refused(path, reader, "a persistent id is an int, not a storage reference")


@pytest.mark.parametrize(
    ("W_entry", "reason"),
    [
        (tensor({"a": 1}, 0, (2, 2), (2, 1)), "a tensor's storage is a dict, not a storage"),
        ({"a": 1}, "entry 'W' is a dict, not a tensor"),
        (
            Call(Global("torch._utils", "_rebuild_parameter"), ({}, False, ordered_dict())),
            "a parameter holds a dict, not a tensor",
        ),
    ],
    ids=["dict-as-storage", "dict-as-W", "dict-as-parameter-data"],
)
def test_dict_where_a_tensor_belongs_is_refused(tmp_path, reader, W_entry, reason):
    # Before: AttributeError / TypeError tracebacks.
    path = alrnn_checkpoint(tmp_path / "m.pt", W_entry=W_entry)
    _refused(path, reader, reason)


@pytest.mark.parametrize(
    ("W_entry", "reason"),
    [
        (tensor(storage("1", 4), 0, ("2", 2), (2, 1)), "size is a tuple of (str, int)"),
        (tensor(storage("1", 4), "0", (2, 2), (2, 1)), "storage offset is a str"),
        (tensor(storage("1", 4), 0, (2, 2), (2, None)), "stride is a tuple of (int, NoneType)"),
        (tensor(storage("1", 4), 0, (2, 2), (2,)), "has 2 sizes but 1 strides"),
        (tensor(storage("1", "4"), 0, (2, 2), (2, 1)), "lacks a string key or an integer size"),
        (tensor(storage("1", -4), 0, (2, 2), (2, 1)), "storage '1' has a negative size -4"),
        (tensor(storage("1", 1 << 50), 0, (2, 2), (2, 1)), "but its record holds 16 bytes"),
        (tensor(storage("9", 4), 0, (2, 2), (2, 1)), "storage record 'data/9' is missing"),
        (
            tensor(PersistentId(("storage", "FloatStorage", "1", "cpu", 4)), 0, (2, 2), (2, 1)),
            "a storage's type is a str, not a storage class",
        ),
        (
            Call(Global("torch._utils", "_rebuild_tensor_v2"), (storage("1", 4), 0)),
            "its pickle is malformed",
        ),
    ],
)
def test_wrong_types_and_sizes_in_a_rebuild_call_are_refused(tmp_path, reader, W_entry, reason):
    path = alrnn_checkpoint(tmp_path / "m.pt", W_entry=W_entry)
    _refused(path, reader, reason)


def test_storage_declared_twice_differently_is_refused(tmp_path, reader):
    entries = {
        "A": tensor(storage("0", 2), 0, (2,), (1,)),
        "W": tensor(storage("0", 1, "IntStorage"), 0, (1,), (1,)),
        "h": tensor(storage("2", 2), 0, (2,), (1,)),
    }
    records = float32_records([0.5, 0.5], [], [1.0, 1.0])
    path = write_checkpoint(tmp_path / "m.pt", state_dict_pickle(entries), records)
    with (
        _torch_free(),
        pytest.raises(ModelError, match=r"storage '0' is declared twice, differently"),
    ):
        read_state_dict(path)


@pytest.mark.parametrize(
    ("global_name", "reason"),
    [
        (("torch", "ComplexFloatStorage"), "names torch.ComplexFloatStorage"),
        (("torch", "BoolStorage"), "names torch.BoolStorage"),
        (("builtins", "eval"), "names builtins.eval"),
        (("numpy", "ndarray"), "names numpy.ndarray"),
    ],
)
def test_globals_a_state_dict_does_not_need_are_refused(tmp_path, reader, global_name, reason):
    kind = global_name[1] if global_name[0] == "torch" else "FloatStorage"
    W = tensor(storage("1", 4, kind), 0, (2, 2), (2, 1))
    if global_name[0] != "torch":
        W = Call(Global(*global_name), ("1",))
    path = alrnn_checkpoint(tmp_path / "m.pt", W_entry=W)
    _refused(path, reader, reason)


def test_opcodes_a_state_dict_does_not_need_are_refused(tmp_path, reader):
    # A list (EMPTY_LIST, APPENDS) never occurs in a state_dict written by torch.save.
    data = b"\x80\x02" + opcodes({"A": [1.0, 2.0]}) + b"."
    path = write_checkpoint(tmp_path / "m.pt", data, {})
    _refused(path, reader, "the pickle uses opcode EMPTY_LIST at byte 10")


def test_huge_memo_index_is_refused_before_unpickling(tmp_path, reader):
    # Found by fuzzing: the C unpickler sizes its memo array by the largest index (MemoryError).
    data = b"\x80\x02}r" + struct.pack("<I", 2**31) + b"."  # EMPTY_DICT, LONG_BINPUT 2^31
    path = write_checkpoint(tmp_path / "m.pt", data, {})
    _refused(path, reader, "the pickle uses memo index 2147483648 at byte 3")


def test_build_cannot_modify_the_readers_functions(tmp_path, reader):
    rebuild = Global("torch._utils", "_rebuild_tensor_v2")
    W = Build(rebuild, (None, {"__defaults__": ({},)}))
    path = alrnn_checkpoint(tmp_path / "m.pt", W_entry=W)
    _refused(path, reader, "the pickle tries to modify a Function")
    ok = alrnn_checkpoint(tmp_path / "ok.pt")
    np.testing.assert_array_equal(load_model(ok, P=1).W, [[0, 1], [1, 0]])


def test_big_endian_storages_are_read_in_their_byte_order(tmp_path):
    records = {
        str(i): struct.pack(f">{len(a)}f", *a)
        for i, a in enumerate([[0.5, 0.5], [0.0, 1.0, 1.0, 0.0], [1.0, 1.0]])
    }
    path = alrnn_checkpoint(tmp_path / "m.pt")
    data = zipfile.ZipFile(path).read("archive/data.pkl")
    write_checkpoint(path, data, records, byteorder="big")
    with _torch_free():
        np.testing.assert_array_equal(load_model(path, P=1).W, [[0, 1], [1, 0]])


def test_pickle_larger_than_a_state_dict_needs_is_refused(tmp_path, reader):
    # A megabyte of EMPTY_DICT opcodes would push a million dicts on the unpickler's stack.
    data = b"\x80\x02" + b"}" * (_pytorch_zip.MAX_PICKLE_BYTES + 1) + b"."
    path = write_checkpoint(tmp_path / "m.pt", data, {})
    _refused(path, reader, f"its data.pkl has {len(data)} bytes, more than the 1048576")


def test_zip_directory_of_millions_of_records_is_refused_before_parsing(tmp_path, reader):
    # A zip64 end-of-directory record declaring 10^7 records (zipfile would build an object
    # for each) followed by its locator and the classic end record.
    zip64_end = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, 10**7, 10**7, 0, 0)
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, 0, 1)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    path = tmp_path / "m.pt"
    path.write_bytes(zip64_end + locator + end)
    _refused(path, reader, "its directory declares 10000000 records, more than 65536")


def test_record_marked_as_a_folder_is_refused(tmp_path, reader):
    # Found by fuzzing: torch.load read such a record as uninitialised memory, exit 0.
    path = tmp_path / "m.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", _BASE_PICKLE)
        for key, record in _BASE_RECORDS.items():
            info = zipfile.ZipInfo(f"archive/data/{key}")
            info.external_attr = 0x10 if key == "1" else 0  # MS-DOS "directory" attribute
            archive.writestr(info, record)
        archive.writestr("archive/version", "3\n")
    _refused(path, reader, "record 'archive/data/1' is marked as a folder")


def test_torch_load_reading_other_values_than_the_records_is_refused(tmp_path, monkeypatch):
    torch = _torch()
    path = alrnn_checkpoint(tmp_path / "m.pt")
    state = torch.load(path, weights_only=True)
    state["W"][0, 0] = 7.0
    monkeypatch.setattr(torch, "load", lambda *args, **kwargs: state)
    disagree = r"torch\.load and the archive's records disagree on tensor 'W'"
    with pytest.raises(ModelError, match=disagree):
        load_model(path, P=1)


def _npy(shape: tuple, data: bytes, descr: str = "<f8") -> bytes:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return header.getvalue() + data


def test_npz_header_claiming_terabytes_is_refused_before_allocating(tmp_path):
    # Before: numpy's MemoryError traceback "Unable to allocate 8.00 TiB".
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("A.npy", _npy((2,), np.ones(2).tobytes()))
        archive.writestr("W.npy", _npy((1 << 40,), bytes(64)))
        archive.writestr("h.npy", _npy((2,), np.ones(2).tobytes()))
        archive.writestr("P.npy", _npy((), np.int64(1).tobytes(), "<i8"))
    with pytest.raises(ModelError, match=re.escape("W.npy declares shape (1099511627776,)")):
        load_model(path)


def test_npz_larger_than_the_limit_is_refused(tmp_path, monkeypatch):
    np.savez(tmp_path / "m.npz", A=np.ones(2), W=np.eye(2), h=np.ones(2), P=1)
    monkeypatch.setattr(loading, "MAX_CHECKPOINT_BYTES", 100)
    with pytest.raises(ModelError, match="more than the limit of 100 bytes"):
        load_model(tmp_path / "m.npz")


# ---- weights and P ------------------------------------------------------------------------


def test_nan_weights_in_pt_file(tmp_path, reader):
    path = alrnn_checkpoint(tmp_path / "m.pt", W_record=struct.pack("<4f", 0, np.nan, 1, 0))
    with pytest.raises(ModelError, match="W contains 1 NaN or infinite value"):
        load_model(path, P=1)


def test_weight_of_1e308_loads_from_npz_and_pt(tmp_path, reader):
    W = np.array([[1e308, 0.0], [0.0, -1e308]])
    np.savez(tmp_path / "m.npz", A=np.ones(2), W=W, h=np.ones(2), P=1)
    assert load_model(tmp_path / "m.npz").W[0, 0] == 1e308
    entries = {
        "A": tensor(storage("0", 2, "DoubleStorage"), 0, (2,), (1,)),
        "W": tensor(storage("1", 4, "DoubleStorage"), 0, (2, 2), (2, 1)),
        "h": tensor(storage("2", 2, "DoubleStorage"), 0, (2,), (1,)),
    }
    records = {"0": struct.pack("<2d", 1, 1), "1": W.astype("<f8").tobytes(), "2": bytes(16)}
    path = write_checkpoint(tmp_path / "m.pt", state_dict_pickle(entries), records)
    np.testing.assert_array_equal(load_model(path, P=1).W, W)


@pytest.mark.parametrize(
    ("W", "reason"),
    [
        (np.ones((2, 2)) * (1 + 1j), "W holds complex128 values, not real numbers"),
        (np.array([["a", "b"], ["c", "d"]]), "W holds <U1 values, not real numbers"),
        (np.ones((2, 2), dtype=bool), "W holds bool values, not real numbers"),
        (np.array([[np.inf, 0], [0, 0]]), "W contains 1 NaN or infinite value"),
    ],
)
def test_weights_that_are_not_finite_reals_are_refused(tmp_path, W, reason):
    np.savez(tmp_path / "m.npz", A=np.ones(2), W=W, h=np.ones(2), P=1)
    with pytest.raises(ModelError, match=reason):
        load_model(tmp_path / "m.npz")


@pytest.mark.parametrize(
    ("P", "reason"),
    [
        (2.7, "P must be an integer, got float 2.7"),
        (True, "P must be an integer, got bool True"),
        ([1], r"P must be an integer, got list \[1\]"),
        ("1", "P must be an integer, got str '1'"),
        (-1, "P = -1 piecewise-linear units is out of range 0…M = 0…2"),
        (3, "P = 3 piecewise-linear units is out of range"),
    ],
)
def test_P_that_is_not_an_integer_in_0_to_M_is_refused(tmp_path, P, reason):
    np.savez(tmp_path / "m.npz", A=np.ones(2), W=np.eye(2), h=np.ones(2))
    with pytest.raises(ModelError, match=reason):
        load_model(tmp_path / "m.npz", P=P)


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        (np.float64(2.7), "stores P as float64 of shape (), not a single integer"),
        (np.True_, "stores P as bool of shape (), not a single integer"),
        (np.array([1, 2]), "stores P as int64 of shape (2,), not a single integer"),
        (np.array("1"), "stores P as <U1 of shape (), not a single integer"),
    ],
)
def test_stored_P_that_is_not_an_integer_is_refused(tmp_path, stored, reason):
    np.savez(tmp_path / "m.npz", A=np.ones(2), W=np.eye(2), h=np.ones(2), P=stored)
    with pytest.raises(ModelError, match=re.escape(reason)):
        load_model(tmp_path / "m.npz")


# ---- fuzzing: hostile archives end in a valid map or one ModelError, nothing else ----------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder the fuzz tests overwrite one file in (hypothesis runs many examples per test)."""
    return tmp_path_factory.mktemp("fuzz")


def _load_with(reader: str, path, P: int):
    if reader == "torch-free":
        with _torch_free():
            return load_model(path, P=P)
    return load_model(path, P=P)


def _loaded_or_refused(path, P: int = 1) -> dict:
    """load_model's outcome per reader: a PWLMap of finite float64 weights, or a ModelError.

    Any other exception fails the test; where both readers load the file, their weights agree.
    """
    readers = READERS if loading._torch_module() is not None else ["torch-free"]
    outcomes = {}
    for reader in readers:
        try:
            m = _load_with(reader, path, P)
        except ModelError as error:
            assert "\n" not in str(error)
            outcomes[reader] = error
            continue
        for array in (m.A, m.W, m.h):
            assert array.dtype == np.float64 and np.all(np.isfinite(array))
        outcomes[reader] = m
    maps = [m for m in outcomes.values() if isinstance(m, PWLMap)]
    for m in maps[1:]:
        for a, b in ((m.A, maps[0].A), (m.W, maps[0].W), (m.h, maps[0].h)):
            np.testing.assert_array_equal(a, b)
    return outcomes


_BASE_RECORDS = float32_records([0.5, 0.5], [0.0, 1.0, 1.0, 0.0], [1.0, 1.0])
_BASE_PICKLE = state_dict_pickle(
    {
        "A": tensor(storage("0", 2), 0, (2,), (1,)),
        "W": tensor(storage("1", 4), 0, (2, 2), (2, 1)),
        "h": tensor(storage("2", 2), 0, (2,), (1,)),
    }
)


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(_BASE_PICKLE) - 1), st.binary(max_size=4), st.integers(0, 3)),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_random_bytes_in_data_pkl(scratch, edits):
    # Each edit replaces 0–3 bytes at a position with 0–4 random bytes.
    data = bytearray(_BASE_PICKLE)
    for position, new, removed in edits:
        data[position : position + removed] = new
    path = write_checkpoint(scratch / "bytes.pt", bytes(data), _BASE_RECORDS)
    _loaded_or_refused(path)


@pytest.fixture(scope="module")
def base_archive(scratch) -> bytes:
    """The bytes of the valid crafted checkpoint the archive fuzz test damages."""
    return write_checkpoint(scratch / "base.pt", _BASE_PICKLE, _BASE_RECORDS).read_bytes()


@settings(max_examples=100, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.binary(max_size=4)), min_size=1, max_size=4
    )
)
def test_fuzz_random_bytes_anywhere_in_the_archive(scratch, base_archive, edits):
    # Zip headers, directory and records damaged: each edit overwrites bytes at a relative position.
    data = bytearray(base_archive)
    for where, new in edits:
        position = int(where * len(data))
        data[position : position + len(new)] = new
    path = scratch / "archive.pt"
    path.write_bytes(bytes(data))
    _loaded_or_refused(path)


_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.tuples(st.integers(), st.text(max_size=2)),
)
_index = st.one_of(st.integers(-3, 12), st.integers(-(2**70), 2**70), st.just(1 << 40))


@st.composite
def _crafted_W(draw):
    """A rebuild call for W with random offset, sizes, strides, storage size, kind and record."""
    ndim = draw(st.integers(0, 3))
    size = tuple(draw(st.lists(_index, min_size=ndim, max_size=ndim)))
    stride = tuple(draw(st.lists(_index, min_size=ndim, max_size=ndim + draw(st.integers(0, 1)))))
    kind = draw(st.sampled_from(["FloatStorage", "DoubleStorage", "LongStorage", "ByteStorage"]))
    numel = draw(st.one_of(st.integers(0, 12), _index))
    itemsize = {"FloatStorage": 4, "DoubleStorage": 8, "LongStorage": 8, "ByteStorage": 1}[kind]
    length = numel * itemsize if 0 <= numel <= 12 else draw(st.integers(0, 64))
    if draw(st.booleans()):
        length = draw(st.integers(0, 64))
    record = bytes(
        draw(st.lists(st.sampled_from([0, 1, 63, 64, 127]), min_size=length, max_size=length))
    )
    args = [storage("1", numel, kind), draw(_index), size, stride, False, ordered_dict()]
    if draw(st.booleans()):  # one argument, or the persistent id, replaced by junk
        slot = draw(st.integers(0, len(args)))
        junk = draw(_junk)
        if slot == len(args):
            args[0] = PersistentId(junk)
        else:
            args[slot] = junk
    return Call(Global("torch._utils", "_rebuild_tensor_v2"), tuple(args)), record, kind


def _gathered(record: bytes, kind: str, call: Call) -> np.ndarray:
    """W computed independently: element i of the tensor is storage[offset + Σ i_k stride_k]."""
    dtype = {
        "FloatStorage": "<f4",
        "DoubleStorage": "<f8",
        "LongStorage": "<i8",
        "ByteStorage": "u1",
    }
    values = np.frombuffer(record, dtype=dtype[kind])
    _, offset, size, stride = call.args[:4]
    if 0 in size:
        return np.zeros(size)
    index = np.full(size, offset, dtype=np.int64)
    for axis, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[axis] = n
        index = index + (np.arange(n) * (s if n > 1 else 0)).reshape(shape)
    return values[index].astype(np.float64)


@settings(max_examples=200, deadline=None)
@given(crafted=_crafted_W())
def test_fuzz_offsets_strides_sizes_and_arguments_of_a_tensor(scratch, crafted):
    call, record, kind = crafted
    records = {**_BASE_RECORDS, "1": record}
    entries = {"A": tensor(storage("0", 2), 0, (2,), (1,)), "W": call}
    entries["h"] = tensor(storage("2", 2), 0, (2,), (1,))
    path = write_checkpoint(scratch / "tensor.pt", state_dict_pickle(entries), records)
    try:
        arrays = _pytorch_zip.read_state_dict(path, loading.MAX_CHECKPOINT_BYTES)
    except ModelError as error:
        assert str(path) in str(error) and "\n" not in str(error)
    else:
        np.testing.assert_array_equal(arrays["W"], _gathered(record, kind, call))
    _loaded_or_refused(path, P=0)


# ---- model classes other than the AL-RNN ----------------------------------------------------


def test_model_type_from_the_weights_names(tmp_path, reader):
    torch = pytest.importorskip("torch")
    shallow = dict(A=[0.5, 0.5], W1=[[1.0], [0.0]], W2=[[1.0, -1.0]], h1=[0.0, 1.0], h2=[0.5])
    np.savez(tmp_path / "sh.npz", **shallow)
    torch.save({k: torch.tensor(v) for k, v in shallow.items()}, tmp_path / "sh.pt")
    for name in ("sh.npz", "sh.pt"):
        m = _load_with(reader, tmp_path / name, None)
        assert repr(m) == "PWLMap(shPLRNN, M=2, H=1)"
    dend = dict(A=[0.5], W=[[1.0]], h=[0.0], alphas=[1.0, -1.0], thresholds=[[0.0, 1.0]])
    np.savez(tmp_path / "dend.npz", **dend)
    assert load_model(tmp_path / "dend.npz").model == "dendPLRNN"


def test_model_type_stored_given_or_contradicted(tmp_path):
    np.savez(tmp_path / "plrnn.npz", A=[0.5], W=[[1.0]], h=[0.1], model_type="plrnn")
    assert load_model(tmp_path / "plrnn.npz").model == "PLRNN"
    np.savez(tmp_path / "awh.npz", A=[0.5], W=[[1.0]], h=[0.1])
    assert load_model(tmp_path / "awh.npz", model_type="plrnn").model == "PLRNN"
    assert load_model(tmp_path / "awh.npz", P=1).P == 1  # A, W, h: an AL-RNN by default
    with pytest.raises(ModelError, match="stores model type 'plrnn', but 'alrnn' was given"):
        load_model(tmp_path / "plrnn.npz", model_type="alrnn")
    with pytest.raises(ModelError, match="P applies to AL-RNNs only"):
        load_model(tmp_path / "plrnn.npz", P=1)
    with pytest.raises(ModelError, match="'gru' is not one of"):
        load_model(tmp_path / "awh.npz", model_type="gru")
    np.savez(tmp_path / "bad.npz", A=[0.5], W1=[[1.0]], W2=[[1.0]], h1=[0.0])
    with pytest.raises(ModelError, match="lacks h2"):
        load_model(tmp_path / "bad.npz")
    np.savez(tmp_path / "nan.npz", A=[0.5], W1=[[np.nan]], W2=[[1.0]], h1=[0.0], h2=[0.0])
    with pytest.raises(ModelError, match=r"nan\.npz: W1 contains a NaN"):
        load_model(tmp_path / "nan.npz")
