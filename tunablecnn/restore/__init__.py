"""Plug-and-play restoration (deblurring, inpainting, super-resolution) with a denoiser as the prior.

Half-quadratic splitting alternates a closed-form data step (`operators`) with the denoiser at
noise levels falling from the task's start level to the measurement noise (`hqs`); a tunable
model follows the schedule through its level calibration (`prior`). `tasks` checks the inputs
and holds each task's defaults; `api.restore` ties them together; `python -m tunablecnn.restore`
is the command.
"""

from tunablecnn.restore.api import DEFAULT_MODEL, restore
from tunablecnn.restore.hqs import Step, schedule
from tunablecnn.restore.tasks import DEFAULTS, TASKS, RestoreError

__all__ = ["DEFAULTS", "DEFAULT_MODEL", "TASKS", "RestoreError", "Step", "restore", "schedule"]
