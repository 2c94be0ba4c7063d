import numpy as np

from tunablecnn.restore.hqs import hqs, schedule
from tunablecnn.restore.operators import MaskOperator


def test_schedule_falls_geometrically_from_start_to_end():
    levels = schedule(49.0, 2.55, 8)
    assert levels[0] == 49.0 and np.isclose(levels[-1], 2.55)
    np.testing.assert_allclose(levels[1:] / levels[:-1], (2.55 / 49.0) ** (1 / 7))
    assert schedule(49.0, 2.55, 1).tolist() == [2.55]


class _RecordingPrior:
    def __init__(self):
        self.levels = []

    def level_used(self, level):
        return max(level, 15.0)

    def __call__(self, image, level):
        self.levels.append(level)
        return np.full_like(image, image.mean())


def test_hqs_denoises_at_every_scheduled_level_and_reports_each_step():
    known = np.arange(64).reshape(8, 8) % 2 == 0
    prior, steps = _RecordingPrior(), []
    reference = np.full((8, 8, 1), 0.5)
    hqs(MaskOperator(known), reference * known[..., None], prior, schedule(40, 5, 4), 0.0, 1.0,
        on_step=steps.append, reference=reference)
    assert prior.levels == list(schedule(40, 5, 4))
    assert [s.iteration for s in steps] == [1, 2, 3, 4] and all(s.psnr is not None for s in steps)


class _TopRowPrior:
    """Zeroes the top row of what it is given: not equivariant to flips and rotations."""

    def level_used(self, level):
        return level

    def __call__(self, image, level):
        out = image.copy()
        out[0] = 0.0
        return out


def test_the_self_ensemble_shows_each_iteration_another_view_and_turns_the_result_back():
    known = np.ones((6, 10), bool)  # nothing missing: the data step returns the measurement
    image = np.random.default_rng(0).random((6, 10, 1)) + 1.0
    plain = hqs(MaskOperator(known), image, _TopRowPrior(), [20.0], 5.0, 1.0, ensemble=False)
    assert np.all(plain[0] == 0) and np.all(plain[1:] > 0)
    steps = []
    hqs(MaskOperator(known), image, _TopRowPrior(), schedule(40, 5, 8), 5.0, 1.0, on_step=steps.append)
    assert [s.estimate.shape for s in steps] == [image.shape] * 8  # turned back, also for a non-square image
    edges = {"top": lambda x: x[0], "bottom": lambda x: x[-1], "left": lambda x: x[:, 0], "right": lambda x: x[:, -1]}
    zeroed = {name for s in steps for name, edge in edges.items() if np.all(edge(s.estimate) == 0)}
    assert zeroed == set(edges)  # the 8 views (4 turns, each flipped or not) put the prior's top row on every edge
