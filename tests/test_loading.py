"""Loading official state_dicts, .npz archives and run folders; bad files fail clearly."""

import pickle
import zipfile

import numpy as np
import pytest

from pwl_analysis import ModelError, load_model
from pwl_analysis.loading import read_state_dict

from systems import reference_file


def _torch():
    return pytest.importorskip("torch")


def test_official_models_load_with_their_sizes():
    small = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    large = load_model(reference_file("lorenz_m30_p10.pt"), P=10)
    assert (small.M, small.P, large.M, large.P) == (20, 2, 30, 10)


def test_official_model_weights_equal_torch_load():
    torch = _torch()
    path = reference_file("lorenz_m20_p2.pt")
    state = torch.load(path, weights_only=True)
    m = load_model(path, P=2)
    np.testing.assert_array_equal(np.diag(m.A), state["A"].numpy())  # A is a strided view
    np.testing.assert_array_equal(m.W, state["W"].numpy())
    np.testing.assert_array_equal(m.h, state["h"].numpy())


def test_official_model_has_four_fixed_points():
    # The reference: lorenz_m20_p2 has 4 fixed points and no cycles of period 2–8.
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    assert len(m.fixed_points()) == 4


def test_state_dict_written_by_torch_round_trips(tmp_path):
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


def test_pt_needs_P():
    with pytest.raises(ModelError, match="pass P"):
        load_model(reference_file("lorenz_m20_p2.pt"))


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no model at"):
        load_model("does/not/exist.pt", P=1)


def test_truncated_checkpoint(tmp_path):
    data = reference_file("lorenz_m20_p2.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="cannot read"):
        load_model(tmp_path / "cut.pt", P=2)


def test_not_a_checkpoint(tmp_path):
    (tmp_path / "junk.pt").write_text("hello")
    with pytest.raises(ModelError, match="cannot read"):
        load_model(tmp_path / "junk.pt", P=2)


class _Exploit:
    def __reduce__(self):
        return (print, ("pickled code ran",))


def test_pickled_code_is_never_executed(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", pickle.dumps({"A": _Exploit()}, protocol=2))
    with pytest.raises(ModelError, match="refusing to run code"):
        read_state_dict(path)
    assert "pickled code ran" not in capsys.readouterr().out


def test_nan_weights_in_file(tmp_path):
    np.savez(tmp_path / "m.npz", A=np.ones(2), W=np.full((2, 2), np.nan), h=np.ones(2), P=1)
    with pytest.raises(ModelError, match="W contains 4 NaN"):
        load_model(tmp_path / "m.npz")
