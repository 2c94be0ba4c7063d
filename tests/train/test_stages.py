from tunablecnn import load_pipeline
from tunablecnn.train.stages import plan_stages

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def test_blind_model_has_one_stage():
    (stage,) = plan_stages(load_pipeline({"train": {"epochs": 3, "total_steps": 7}}))
    assert (stage.name, stage.alpha, stage.noise) == ("train", None, None)
    assert stage.steps(steps_per_epoch=5) == 7  # total_steps caps epochs * steps_per_epoch


def test_tunable_model_trains_base_at_start_level_then_tune_at_end_level():
    pipeline = load_pipeline({"train": {"epochs": 2}, "tunable": {**LEVELS, "tune_epochs": 1}})
    base, tune = plan_stages(pipeline)
    assert (base.name, base.alpha, base.noise, base.steps(10)) == ("base", 0.0, 15, 20)
    assert (tune.name, tune.alpha, tune.noise, tune.steps(10)) == ("tune", 1.0, 50, 10)


def test_zero_base_epochs_need_a_tunable_model_and_initial_weights():
    import pytest

    from tunablecnn.config import ConfigError

    with pytest.raises(ConfigError, match="train.epochs: 0 trains nothing"):
        plan_stages(load_pipeline({"train": {"epochs": 0}}))
    with pytest.raises(ConfigError, match="train.initial_weights"):
        plan_stages(load_pipeline({"train": {"epochs": 0}, "tunable": LEVELS}))
    base, tune = plan_stages(load_pipeline({"train": {"epochs": 0, "initial_weights": "base"}, "tunable": LEVELS}))
    assert (base.steps(10), tune.steps(10)) == (0, 50)
