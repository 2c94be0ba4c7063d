"""Scale-out: mirrored over two logical CPU devices and two multi-worker processes match one device."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from tests.train.conftest import write_json

HELPER = os.path.join(os.path.dirname(__file__), "distributed_run.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _pipeline(tiny_pipeline, tmp_path):
    # Batch norm computes statistics per replica, which would make losses differ legitimately.
    config = tiny_pipeline(model={"batchnorm": False}, train={"epochs": 1, "steps_per_epoch": 4})
    return write_json(tmp_path / "pipeline.json", config)


def _start(args, env=None):
    environment = {**os.environ, "PYTHONPATH": ROOT, **(env or {})}
    return subprocess.Popen([sys.executable, HELPER, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=environment)


def _result(process):
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-3000:]
    line = [l for l in out.splitlines() if l.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def _assert_same_training(losses, reference):
    # Same data and gradients: the first step matches to float precision. Later steps drift by
    # summation order in the all-reduce, which Adam amplifies for near-zero gradient entries.
    np.testing.assert_allclose(losses[0], reference[0], rtol=1e-5)
    np.testing.assert_allclose(losses, reference, rtol=5e-3)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # two workers and a real all-reduce: 30 s
def test_mirrored_over_two_cpus_matches_one_device(tiny_pipeline, tmp_path):
    config = _pipeline(tiny_pipeline, tmp_path)
    single = _start([config, tmp_path / "single", "none", 1])
    mirrored = _start([config, tmp_path / "mirrored", "mirrored", 2])
    single, mirrored = _result(single), _result(mirrored)
    assert mirrored["replicas"] == 2
    _assert_same_training(mirrored["losses"], single["losses"])


@pytest.mark.slow
def test_two_workers_match_one_worker(tiny_pipeline, tmp_path):
    config = _pipeline(tiny_pipeline, tmp_path)
    single = _result(_start([config, tmp_path / "single", "none", 1]))
    cluster = {"worker": [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]}
    workers = [
        _start([config, tmp_path / "multi", "multi_worker", 1],
               env={"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})})
        for i in range(2)
    ]
    results = [_result(w) for w in workers]
    assert results[0]["replicas"] == 2
    for result in results:
        _assert_same_training(result["losses"], single["losses"])
    assert os.path.isdir(tmp_path / "multi" / "checkpoints")  # the chief (worker 0) wrote them
