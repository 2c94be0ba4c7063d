"""Copy a trained base network into a model of another modulation method (or a blind one).

Every method keeps the base network's layers and weight names (`backbone_stem/kernel`,
`backbone_down0_block0_bn/gamma`, ...) and adds its modulation weights beside them, so the
base of one tunable model can start another: FTN and DNI tuned from the flagship AdaFM
model's base see exactly the same base weights, and only their tune stage differs.
"""

from tunablecnn.models.tunable import modulation_weights


def copy_base_weights(source, target):
    """Assign every non-modulation weight of `target` from the weight of the same name in `source`.

    The target's modulation weights keep their initial values; the source's are ignored.
    Returns the number of weights copied. Raises `ValueError` naming the weights that the
    source lacks or holds in another shape (a different family, width or depth).
    """
    available = {weight.path: weight for weight in _base_weights(source)}
    wanted = _base_weights(target)
    missing = [w.path for w in wanted if w.path not in available]
    mismatched = [f"{w.path} {tuple(w.shape)} vs {tuple(available[w.path].shape)}"
                  for w in wanted if w.path in available and tuple(w.shape) != tuple(available[w.path].shape)]
    if missing or mismatched:
        problems = ([f"missing {_some(missing)}"] if missing else []) + \
                   ([f"other shapes {_some(mismatched)}"] if mismatched else [])
        raise ValueError(f"the base networks differ ({'; '.join(problems)})")
    for weight in wanted:
        weight.assign(available[weight.path])
    return len(wanted)


def _base_weights(model):
    modulation = {id(weight) for weight in modulation_weights(model)}
    return [weight for weight in model.weights if id(weight) not in modulation]


def _some(names, shown=3):
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
