"""tf.distribute strategies and input pipelines that give every layout the same global batches."""

import tensorflow as tf

from tunablecnn.config import ConfigError


def make_strategy(kind):
    """`none`: the default strategy (one device; GPU if present); `mirrored`; `multi_worker` (TF_CONFIG)."""
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy()
    if kind == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def is_chief(strategy):
    """Whether this process writes checkpoints and logs: always, except non-chief multi-worker tasks."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "chief" or (not has_chief and task_type == "worker" and task_id == 0)


def distribute_batches(strategy, make_dataset, global_batch_size):
    """Distribute a stream of global batches so each replica gets its own contiguous slice.

    Every input pipeline builds the same seeded stream of global batches and keeps the part
    of its replicas, so one device, mirrored and multi-worker runs see identical data per
    step (and identical losses, up to batch-norm statistics computed per replica).
    """
    replicas = strategy.num_replicas_in_sync
    if global_batch_size % replicas:
        raise ConfigError([f"dataset.batch_size: {global_batch_size} is not divisible by the {replicas} replicas"])
    per_replica = global_batch_size // replicas

    def dataset_fn(context):
        local = replicas // context.num_input_pipelines
        start = context.input_pipeline_id * local * per_replica

        def shard(degraded, clean):
            take = lambda t: tf.reshape(t[start : start + local * per_replica], [local, per_replica, *t.shape[1:]])  # noqa: E731
            return take(degraded), take(clean)

        return make_dataset().map(shard).unbatch()

    options = tf.distribute.InputOptions(experimental_fetch_to_device=True)
    return strategy.distribute_datasets_from_function(dataset_fn, options)
