import os
import shutil

import keras
import numpy as np
import pytest

from tunablecnn import build_model, load_pipeline
from tunablecnn.train.checkpoints import CheckpointStore, load_weights, resolve_weights


def _model_and_optimizer():
    model = build_model(load_pipeline({"model": {"filters": 4, "no_layers": 1}}))
    optimizer = keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)
    return model, optimizer


def test_save_restore_round_trip(tmp_path):
    store = CheckpointStore(str(tmp_path), keep=2)
    model, optimizer = _model_and_optimizer()
    optimizer.variables[0].assign(7)
    path = store.save(model, optimizer, {"global_step": 7, "stage": "train"})
    other, other_optimizer = _model_and_optimizer()
    CheckpointStore.restore(path, other, other_optimizer)
    for a, b in zip(model.weights, other.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(other_optimizer.variables[0].numpy()) == 7
    assert CheckpointStore.read_state(path) == {"global_step": 7, "stage": "train"}


def test_keeps_only_the_newest(tmp_path):
    store = CheckpointStore(str(tmp_path), keep=2)
    model, optimizer = _model_and_optimizer()
    for step in (1, 2, 3):
        store.save(model, optimizer, {"global_step": step})
    assert sorted(os.listdir(tmp_path)) == ["ckpt-000000002", "ckpt-000000003"]
    assert store.latest().endswith("ckpt-000000003")


def test_interrupted_write_is_ignored_and_cleaned(tmp_path):
    store = CheckpointStore(str(tmp_path), keep=3)
    model, optimizer = _model_and_optimizer()
    store.save(model, optimizer, {"global_step": 1})
    os.makedirs(tmp_path / "ckpt-000000002.partial")  # a kill during the write of step 2
    (tmp_path / "ckpt-000000002.partial" / "model.weights.h5").write_bytes(b"truncated")
    assert store.latest().endswith("ckpt-000000001")
    store.save(model, optimizer, {"global_step": 2})
    assert sorted(os.listdir(tmp_path)) == ["ckpt-000000001", "ckpt-000000002"]


def test_resolve_weights_accepts_model_dir_checkpoints_dir_and_checkpoint(exported_tunable, tmp_path):
    run = exported_tunable.parent / "run"
    latest = resolve_weights(str(run))
    assert latest.endswith("model.weights.h5") and "ckpt-" in latest
    assert resolve_weights(str(run / "checkpoints")) == latest
    assert resolve_weights(os.path.dirname(latest)) == latest
    with pytest.raises(FileNotFoundError, match="no checkpoint found"):
        resolve_weights(str(tmp_path))


def test_an_exported_folder_without_keras_weights_gives_them_from_its_saved_model(exported_tunable, tmp_path):
    folder = tmp_path / "no-weights"
    shutil.copytree(exported_tunable, folder)
    (folder / "model.weights.h5").unlink()
    pipeline = load_pipeline(str(folder / "pipeline.json"))
    expected, restored = build_model(pipeline), build_model(pipeline)
    expected.load_weights(str(exported_tunable / "model.weights.h5"))
    load_weights(restored, resolve_weights(str(folder)))
    for want, got in zip(expected.weights, restored.weights, strict=True):
        np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=want.path)


def test_saved_model_variables_of_another_network_are_refused(exported_tunable, exported_blind_color, tmp_path):
    folder = tmp_path / "no-weights"
    shutil.copytree(exported_blind_color, folder)
    (folder / "model.weights.h5").unlink()
    model = build_model(load_pipeline(str(exported_tunable / "pipeline.json")))
    with pytest.raises(ValueError, match="do not fit this network"):
        load_weights(model, resolve_weights(str(folder)))


def test_an_exported_folder_with_no_weights_at_all_is_named(exported_tunable, tmp_path):
    folder = tmp_path / "empty-export"
    folder.mkdir()
    shutil.copy(exported_tunable / "metadata.json", folder)
    with pytest.raises(FileNotFoundError, match="exported model folder with neither model.weights.h5 nor saved_model"):
        resolve_weights(str(folder))


def test_optimizer_moments_are_stored_in_half_size_and_restore_closely(tmp_path):
    store = CheckpointStore(str(tmp_path), keep=1)
    model, optimizer = _model_and_optimizer()
    rng = np.random.default_rng(0)
    for variable in optimizer.variables[2:]:  # momentum and velocity of every weight
        value = rng.normal(size=variable.shape) * 1e-3
        variable.assign(np.square(value) if variable.name.endswith("_velocity") else value)
    path = store.save(model, optimizer, {"global_step": 1})
    _, other = _model_and_optimizer()
    CheckpointStore.restore(path, model, other)
    moments = [(a.numpy(), b.numpy()) for a, b in zip(optimizer.variables[2:], other.variables[2:])]
    for a, b in moments:
        np.testing.assert_allclose(b, a, rtol=2e-3, atol=1e-3 * np.abs(a).max() + 1e-12)
    with np.load(os.path.join(path, "optimizer.npz")) as saved:
        stored = sum(saved[name].nbytes for name in saved.files)
    assert stored < 0.55 * sum(v.numpy().nbytes for v in optimizer.variables)


def test_a_checkpoint_with_float32_moments_still_restores(tmp_path):
    store = CheckpointStore(str(tmp_path), keep=1)
    model, optimizer = _model_and_optimizer()
    optimizer.variables[-1].assign(np.full(optimizer.variables[-1].shape, 0.25))
    path = store.save(model, optimizer, {"global_step": 1})
    np.savez(os.path.join(path, "optimizer.npz"), *[v.numpy() for v in optimizer.variables])  # the old format
    _, other = _model_and_optimizer()
    CheckpointStore.restore(path, model, other)
    np.testing.assert_array_equal(other.variables[-1].numpy(), optimizer.variables[-1].numpy())


def test_a_moment_holding_nan_is_kept_exactly_rather_than_scaled_to_nan_everywhere(tmp_path):
    store = CheckpointStore(str(tmp_path), keep=1)
    model, optimizer = _model_and_optimizer()
    momentum = optimizer.variables[2]
    value = np.full(momentum.shape, 1e-3, np.float32)
    value.flat[0] = np.nan
    momentum.assign(value)
    path = store.save(model, optimizer, {"global_step": 1})
    _, other = _model_and_optimizer()
    CheckpointStore.restore(path, model, other)
    np.testing.assert_array_equal(other.variables[2].numpy(), value)
