"""Helper process for the distribution tests: train a pipeline under a strategy, print the losses as JSON.

    python distributed_run.py PIPELINE.json MODEL_DIR {none,mirrored,multi_worker} LOGICAL_CPUS

Logical CPU devices must be configured before TensorFlow touches a device, which a pytest
process has long done, hence a separate process.
"""

import json
import sys

import tensorflow as tf


def main(pipeline_path, directory, kind, logical_cpus):
    if int(logical_cpus) > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * int(logical_cpus))
    from tunablecnn import load_pipeline
    from tunablecnn.train import Trainer
    from tunablecnn.train.distribution import make_strategy

    pipeline = load_pipeline(pipeline_path)
    strategy = make_strategy(kind)
    if kind == "mirrored":
        assert strategy.num_replicas_in_sync == int(logical_cpus), strategy.num_replicas_in_sync
    result = Trainer(pipeline, directory, strategy=strategy).fit()
    print("RESULT " + json.dumps({"losses": result["losses"], "replicas": strategy.num_replicas_in_sync}))


if __name__ == "__main__":
    main(*sys.argv[1:])
