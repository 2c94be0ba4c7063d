import json
import logging
import os
import shutil

import numpy as np
import pytest

from tunablecnn import build_model, load_pipeline
from tunablecnn.train import Trainer, TrainingDiverged, train
from tunablecnn.train.checkpoints import CheckpointStore
from tunablecnn.train.pruning import prunable_kernels
from tunablecnn.train.trainer import write_pipeline

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def _latest_state(directory):
    return CheckpointStore.read_state(CheckpointStore(os.path.join(directory, "checkpoints"), 3).latest())


def test_blind_training_learns_and_writes_everything(tiny_pipeline, tmp_path):
    pipeline = load_pipeline(tiny_pipeline(train={"epochs": 3, "steps_per_epoch": 10}, dataset={"additional_noise": [25]}))
    result = train(pipeline, str(tmp_path / "run"))
    assert result["global_step"] == 30
    assert result["losses"][-5:] and np.mean(result["losses"][-5:]) < np.mean(result["losses"][:5])
    # train.log is the command's (see test_main.py); the library writes the rest.
    for name in ("pipeline.json", "checkpoints", "logs", "visualizations"):
        assert os.path.exists(tmp_path / "run" / name), name
    assert sorted(os.listdir(tmp_path / "run" / "visualizations"))[-1] == "train_000000030.png"
    assert any(f.startswith("events") for f in os.listdir(tmp_path / "run" / "logs"))
    assert _latest_state(tmp_path / "run")["step"] == 30


@pytest.mark.parametrize("method", ["ftn", "cfsnet", "dynamic"])
def test_tunable_training_runs_base_then_tune_and_keeps_alpha_zero(method, tiny_pipeline, tmp_path):
    pipeline = load_pipeline(tiny_pipeline(tunable={"type": method, "tune_epochs": 1, **LEVELS}))
    directory = str(tmp_path / "run")
    result = train(pipeline, directory)
    assert result["global_step"] == 8 + 4
    state = _latest_state(directory)
    assert (state["stage"], state["step"]) == ("tune", 4)
    model = build_model(pipeline)
    x = np.random.default_rng(0).random((1, 16, 16, 1)).astype("float32")
    # The base checkpoint at the end of the base stage and the final one agree at alpha = 0.
    checkpoints = CheckpointStore(os.path.join(directory, "checkpoints"), 3)
    base_path = os.path.join(directory, "checkpoints", "ckpt-000000008")
    outputs = []
    for path in (base_path, checkpoints.latest()):
        CheckpointStore.restore(path, model)
        outputs.append([np.asarray(model({"image": x, "alpha": np.full((1, 1), a, "float32")})) for a in (0.0, 1.0)])
    np.testing.assert_allclose(outputs[0][0], outputs[1][0], atol=1e-6)
    assert not np.allclose(outputs[1][0], outputs[1][1], atol=1e-5)


def test_rerun_after_completion_does_nothing_more(tiny_pipeline, tmp_path):
    pipeline = load_pipeline(tiny_pipeline())
    train(pipeline, str(tmp_path / "run"))
    again = train(pipeline, str(tmp_path / "run"))
    assert again["global_step"] == 8 and again["losses"] == []


def test_longer_config_continues_from_the_checkpoint(tiny_pipeline, tmp_path):
    train(load_pipeline(tiny_pipeline()), str(tmp_path / "run"))
    longer = train(load_pipeline(tiny_pipeline(train={"epochs": 3})), str(tmp_path / "run"))
    assert longer["global_step"] == 12 and len(longer["losses"]) == 4


def test_diverging_loss_stops_and_keeps_the_last_good_checkpoint(tiny_pipeline, tmp_path):
    train(load_pipeline(tiny_pipeline()), str(tmp_path / "run"))
    before = _latest_state(tmp_path / "run")
    exploding = load_pipeline(tiny_pipeline(train={"epochs": 3}, loss={"mae_multiplier": 1e39}))
    with pytest.raises(TrainingDiverged, match=r"loss became (inf|nan) at global step 9 .*ckpt-000000008"):
        train(exploding, str(tmp_path / "run"))
    assert _latest_state(tmp_path / "run") == before


def test_changed_network_is_refused(tiny_pipeline, tmp_path):
    from tunablecnn import ConfigError

    train(load_pipeline(tiny_pipeline()), str(tmp_path / "run"))
    with pytest.raises(ConfigError, match="model.filters is 4 in the pipeline this directory was trained with, 6 now"):
        train(load_pipeline(tiny_pipeline(model={"filters": 6})), str(tmp_path / "run"))
    saved = json.loads((tmp_path / "run" / "pipeline.json").read_text())
    assert saved["model"]["filters"] == 4


@pytest.mark.parametrize(("method", "key", "old", "new"), [
    ("adafm", "kernel_size", 3, 5), ("ftn", "groups", 1, 4), ("dynamic", "tuning_depth", 1, 2),
])
def test_a_changed_method_option_is_refused(method, key, old, new, tiny_pipeline, tmp_path):
    from tunablecnn import ConfigError

    def pipeline(value):
        return load_pipeline(tiny_pipeline(tunable={"type": method, key: value, **LEVELS}))

    write_pipeline(str(tmp_path), pipeline(old))
    with pytest.raises(ConfigError, match=f"tunable.{key} is {old} in the pipeline this directory was trained with"):
        write_pipeline(str(tmp_path), pipeline(new))
    write_pipeline(str(tmp_path), pipeline(old))  # the same network resumes


def test_a_directory_saved_before_a_schema_key_existed_still_resumes(tiny_pipeline, tmp_path):
    pipeline = load_pipeline(tiny_pipeline(tunable={"type": "adafm", **LEVELS}))
    write_pipeline(str(tmp_path), pipeline)
    saved = json.loads((tmp_path / "pipeline.json").read_text())
    del saved["tunable"]["from_level"]  # as written by a version before the key existed
    (tmp_path / "pipeline.json").write_text(json.dumps(saved))
    write_pipeline(str(tmp_path), pipeline)  # the missing key is at its default: the same network


def test_pruned_weights_are_zero_in_the_saved_model(tiny_pipeline, tmp_path):
    prune = {"strategy": "minimum_threshold", "minimum_threshold": 0.05, "start_epoch": 1}
    pipeline = load_pipeline(tiny_pipeline(train={"prune": prune}))
    train(pipeline, str(tmp_path / "run"))
    model = build_model(pipeline)
    model.load_weights(os.path.join(CheckpointStore(str(tmp_path / "run" / "checkpoints"), 3).latest(), "model.weights.h5"))
    values = np.concatenate([k.numpy().ravel() for k in prunable_kernels(model)])
    assert (values == 0).mean() > 0.1
    assert np.all((values == 0) | (np.abs(values) >= 0.05))


def _final_kernels(pipeline, directory):
    model = build_model(pipeline)
    latest = CheckpointStore(os.path.join(directory, "checkpoints"), 3).latest()
    model.load_weights(os.path.join(latest, "model.weights.h5"))
    return np.concatenate([k.numpy().ravel() for k in prunable_kernels(model)])


def test_no_pruning_before_start_epoch_even_at_the_end_of_the_stage(tiny_pipeline, tmp_path):
    prune = {"strategy": "minimum_threshold", "minimum_threshold": 0.05, "start_epoch": 10}
    pipeline = load_pipeline(tiny_pipeline(train={"prune": prune}))  # 2 epochs: pruning never starts
    train(pipeline, str(tmp_path / "run"))
    assert (_final_kernels(pipeline, tmp_path / "run") == 0).mean() < 0.01


def test_the_recorded_psnr_is_of_the_pruned_saved_model(tiny_pipeline, tmp_path):
    prune = {"strategy": "minimum_threshold", "minimum_threshold": 0.1, "start_epoch": 1}
    result = train(load_pipeline(tiny_pipeline(train={"prune": prune})), str(tmp_path / "run"))
    # result["psnr"] is measured after training, on the final (pruned) model the checkpoint holds.
    assert _latest_state(tmp_path / "run")["psnr"] == pytest.approx(result["psnr"], abs=1e-5)


def test_validation_psnr_is_on_held_out_images_and_labelled(tiny_pipeline, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="tunablecnn.train"):
        result = train(load_pipeline(tiny_pipeline(train={"epochs": 1})), str(tmp_path / "run"))
    label = "1 held-out image (dataset.validation_fraction 0.05)"
    assert result["validation"] == label and _latest_state(tmp_path / "run")["validation"] == label
    assert f"training on 5 image(s) in {tmp_path / 'images'}; validation PSNR on {label}" in caplog.text


def test_ctrl_c_saves_the_steps_since_the_last_checkpoint(tiny_pipeline, tmp_path, monkeypatch):
    pipeline = load_pipeline(tiny_pipeline(train={"checkpoint_every": 100}))  # checkpoints at epoch ends: 4, 8
    check = Trainer._check_finite

    def interrupt_at_step_6(trainer, loss, stage):
        check(trainer, loss, stage)
        if trainer.global_step == 6:
            raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "_check_finite", interrupt_at_step_6)
    with pytest.raises(KeyboardInterrupt):
        train(pipeline, str(tmp_path / "run"))
    assert _latest_state(tmp_path / "run")["global_step"] == 6
    monkeypatch.undo()
    resumed = train(pipeline, str(tmp_path / "run"))
    assert resumed["global_step"] == 8 and len(resumed["losses"]) == 2


@pytest.mark.parametrize("damaged", ["model.weights.h5", "optimizer.npz", "state.json"])
def test_a_damaged_latest_checkpoint_falls_back_to_the_newest_readable_one(damaged, tiny_pipeline, tmp_path, caplog):
    directory = tmp_path / "run"
    train(load_pipeline(tiny_pipeline()), str(directory))  # checkpoints at 4, 6, 8 (every 3 and every epoch)
    path = directory / "checkpoints" / "ckpt-000000008" / damaged
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])  # e.g. cut short while copied
    with caplog.at_level(logging.WARNING, logger="tunablecnn.train"):
        resumed = train(load_pipeline(tiny_pipeline(train={"epochs": 3})), str(directory))
    assert resumed["global_step"] == 12 and len(resumed["losses"]) == 6  # from step 6
    assert f"checkpoint {directory / 'checkpoints' / 'ckpt-000000008'} is damaged" in caplog.text
    assert (directory / "checkpoints" / "damaged-ckpt-000000008" / damaged).is_file()  # kept for inspection
    assert _latest_state(directory)["global_step"] == 12


def test_no_readable_checkpoint_is_an_error_and_nothing_is_renamed(tiny_pipeline, tmp_path):
    from tunablecnn import ConfigError

    train(load_pipeline(tiny_pipeline()), str(tmp_path / "run"))
    checkpoints = tmp_path / "run" / "checkpoints"
    for name in os.listdir(checkpoints):
        (checkpoints / name / "model.weights.h5").write_bytes(b"")
    with pytest.raises(ConfigError, match="no checkpoint is readable: ckpt-000000008 .*; move them away"):
        train(load_pipeline(tiny_pipeline()), str(tmp_path / "run"))
    assert sorted(os.listdir(checkpoints)) == ["ckpt-000000004", "ckpt-000000006", "ckpt-000000008"]


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_trains_float32_variables(policy, tiny_pipeline, tmp_path):
    import keras

    result = train(load_pipeline(tiny_pipeline(train={"mixed_precision": policy, "epochs": 1})), str(tmp_path / "run"))
    assert np.isfinite(result["losses"]).all()
    assert keras.config.dtype_policy().name == "float32"  # restored after training


def test_initial_weights_warm_start_a_new_run_from_another_runs_weights(tiny_pipeline, tmp_path):
    first = load_pipeline(tiny_pipeline())
    train(first, str(tmp_path / "first"))
    weights = os.path.join(CheckpointStore.latest_in(str(tmp_path / "first" / "checkpoints")), "model.weights.h5")
    warm = load_pipeline(tiny_pipeline(train={"epochs": 1, "steps_per_epoch": 1, "initial_weights": weights}))
    cold = load_pipeline(tiny_pipeline(train={"epochs": 1, "steps_per_epoch": 1}))
    warm_loss = train(warm, str(tmp_path / "warm"))["losses"][0]
    cold_loss = train(cold, str(tmp_path / "cold"))["losses"][0]
    assert warm_loss < cold_loss  # the first step already starts from the trained weights


def test_initial_weights_that_do_not_exist_are_a_config_error(tiny_pipeline, tmp_path):
    from tunablecnn.config import ConfigError

    pipeline = load_pipeline(tiny_pipeline(train={"initial_weights": str(tmp_path / "missing")}))
    with pytest.raises(ConfigError, match="train.initial_weights"):
        train(pipeline, str(tmp_path / "run"))


@pytest.mark.parametrize("method", ["ftn", "dni"])
def test_a_tune_stage_can_start_from_another_methods_base(method, tiny_pipeline, tmp_path):
    adafm = load_pipeline(tiny_pipeline(tunable={"type": "adafm", "tune_epochs": 1, **LEVELS}))
    train(adafm, str(tmp_path / "adafm"))
    tuned = load_pipeline(tiny_pipeline(
        train={"epochs": 0, "initial_weights": str(tmp_path / "adafm"), "initial_weights_match": "base"},
        tunable={"type": method, "tune_epochs": 1, **LEVELS}))
    result = train(tuned, str(tmp_path / method))
    assert result["global_step"] == 4  # the tune stage only
    source, target = build_model(adafm), build_model(tuned)
    CheckpointStore.restore(CheckpointStore.latest_in(str(tmp_path / "adafm" / "checkpoints")), source)
    CheckpointStore.restore(result["checkpoint"], target)
    x = np.random.default_rng(0).random((1, 16, 16, 1)).astype("float32")
    at = lambda model, a: np.asarray(model({"image": x, "alpha": np.full((1, 1), a, "float32")}))  # noqa: E731
    np.testing.assert_allclose(at(target, 0.0), at(source, 0.0), atol=1e-5)  # one base, two methods
    assert not np.allclose(at(target, 1.0), at(target, 0.0), atol=1e-5)  # and the tune stage trained


def test_a_tune_stage_starts_from_an_exported_folder_shipped_without_keras_weights(exported_tunable, tiny_pipeline,
                                                                                  tmp_path):
    shipped = tmp_path / "shipped"
    shutil.copytree(exported_tunable, shipped)
    (shipped / "model.weights.h5").unlink()
    source = load_pipeline(str(shipped / "pipeline.json"))
    tuned = load_pipeline(tiny_pipeline(
        model=source["model"], dataset={"color_mode": "gray"}, tunable={"type": "ftn", "tune_epochs": 1, **LEVELS},
        train={"epochs": 0, "initial_weights": str(shipped), "initial_weights_match": "base"}))
    result = train(tuned, str(tmp_path / "ftn"))
    exported, target = build_model(source), build_model(tuned)
    exported.load_weights(str(exported_tunable / "model.weights.h5"))
    CheckpointStore.restore(result["checkpoint"], target)
    x = np.random.default_rng(0).random((1, 16, 16, 1)).astype("float32")
    at = lambda model: np.asarray(model({"image": x, "alpha": np.zeros((1, 1), "float32")}))  # noqa: E731
    np.testing.assert_allclose(at(target), at(exported), atol=1e-5)  # the shipped base, read from the SavedModel


def test_a_base_from_a_different_network_is_a_config_error(tiny_pipeline, tmp_path):
    from tunablecnn.config import ConfigError

    train(load_pipeline(tiny_pipeline(train={"epochs": 1})), str(tmp_path / "narrow"))
    wider = load_pipeline(tiny_pipeline(model={"filters": 8}, train={
        "epochs": 0, "initial_weights": str(tmp_path / "narrow"), "initial_weights_match": "base"},
        tunable={"type": "ftn", "tune_epochs": 1, **LEVELS}))
    with pytest.raises(ConfigError, match=r"train.initial_weights: .* does not fit this network \(the base networks differ"):
        train(wider, str(tmp_path / "run"))


def test_ctrl_c_is_taken_between_steps_and_a_second_one_stops_at_once():
    import signal
    import time

    from tunablecnn.train.trainer import ctrl_c_between_steps

    # Python's own handler, as under a terminal: a job a script starts in the background ignores SIGINT.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with ctrl_c_between_steps() as stop:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # a KeyboardInterrupt here could have been swallowed; only the flag is set
            assert stop.requested
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with ctrl_c_between_steps() as stop:  # an ignored SIGINT stays ignored
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, inherited)
