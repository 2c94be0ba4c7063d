"""Training: `train(pipeline, model_directory)` runs every stage and resumes where it stopped."""

from tunablecnn.train.trainer import Trainer, TrainingDiverged


def train(pipeline, model_directory):
    """Train the (validated) pipeline in `model_directory`; see `Trainer.fit`."""
    return Trainer(pipeline, model_directory).fit()


__all__ = ["Trainer", "TrainingDiverged", "train"]
