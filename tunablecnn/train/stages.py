"""The stages one training run executes: `train` for blind models, `base` then `tune` for tunable ones."""

from dataclasses import dataclass

from tunablecnn.config import ConfigError


@dataclass(frozen=True)
class Stage:
    name: str
    alpha: float | None  # the alpha fed to a tunable model; None for a blind model
    noise: float | None  # additive-noise sigma (0-255) replacing dataset.additional_noise; None keeps it
    epochs: int
    total_steps: int  # -1: no limit beyond epochs

    def steps(self, steps_per_epoch):
        planned = self.epochs * steps_per_epoch
        return planned if self.total_steps < 0 else min(planned, self.total_steps)


def plan_stages(pipeline):
    train = pipeline["train"]
    if train["epochs"] == 0 and "tunable" not in pipeline:
        raise ConfigError(["train.epochs: 0 trains nothing; it skips the base stage of a tunable model only"])
    if train["epochs"] == 0 and train["initial_weights"] is None:
        raise ConfigError(["train.epochs: 0 skips the base stage, so the base must come from train.initial_weights "
                           "(null: it would tune an untrained network)"])
    if "tunable" not in pipeline:
        return [Stage("train", None, None, train["epochs"], train["total_steps"])]
    tunable = pipeline["tunable"]
    return [
        Stage("base", 0.0, tunable["start"]["additional_noise"], train["epochs"], train["total_steps"]),
        Stage("tune", 1.0, tunable["end"]["additional_noise"], tunable["tune_epochs"], tunable["tune_total_steps"]),
    ]
