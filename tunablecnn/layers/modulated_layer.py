import keras
from keras import ops


class ModulatedLayer(keras.layers.Layer):
    """Base class of every layer that a runtime `alpha` modulates (AdaFM, FTN, DNI, ...).

    Training and costing use only this interface, so a new method needs no isinstance
    ladder elsewhere. A subclass defines `modulation_weights` and `flops_per_output_pixel`,
    and overrides `start_tuning` if the tune stage must start from a prepared state.

    - `modulation_weights`: the weights that only the `tune` stage trains; the `base` stage
      trains the layer's other trainable weights (`set_stage`).
    - `start_tuning()`: runs once when the tune stage starts (DNI copies `W_A` into `W_B`).
    - `flops_per_output_pixel()`: FLOPs (2 per multiply-add) per output pixel in the form
      that runs after export. Parameters are counted by Keras (`count_params`).

    A layer of which a stage trains nothing is frozen in that stage (`trainable = False`), so
    normalization statistics inside it stop moving too.

    `alpha` is `[batch, 1]` (one level per image) or a map `[batch, height, width, 1]` at the
    resolution of the layer's `inputs` (one level per pixel; `tunablecnn.models.with_alpha_map`
    brings the image's map there). A layer with `strides > 1` average-pools the map to its
    output ("same" padding, as its convolution). A constant map gives the scalar's output.
    """

    @property
    def modulation_weights(self):
        raise NotImplementedError(f"{type(self).__name__} must define modulation_weights")

    def set_stage(self, stage):
        """Train `modulation_weights` in stage `tune`, the other trainable weights in `base`."""
        tune = stage == "tune"
        # Make every variable that can train trainable again. Keras skips assigning an
        # unchanged `trainable`, so True alone would keep the flags of the previous stage.
        self.trainable = False
        self.trainable = True
        modulation = {id(v) for v in self.modulation_weights}
        chosen = [(v, (id(v) in modulation) == tune) for v in self.trainable_weights]
        self.trainable = any(train for _, train in chosen)
        for variable, train in chosen:
            variable.trainable = train

    def start_tuning(self):
        """Prepare the tune stage after base training; nothing by default."""

    def flops_per_output_pixel(self):
        raise NotImplementedError(f"{type(self).__name__} must define flops_per_output_pixel")

    def _alpha_like(self, alpha, inputs, strides=1):
        """`alpha` cast to `inputs`' dtype and shaped to broadcast over the layer's output."""
        a = ops.cast(alpha, inputs.dtype)
        if len(alpha.shape) == 2:
            return ops.reshape(a, (-1, 1, 1, 1))
        if len(alpha.shape) != 4 or alpha.shape[-1] != 1:
            raise ValueError(f"Expected alpha [batch, 1] or a map [batch, height, width, 1]. Received: alpha shape={alpha.shape}")
        return a if strides == 1 else ops.average_pool(a, strides, strides, padding="same")
