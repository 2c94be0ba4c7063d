"""What every command (`python -m tunablecnn.<command>`) shares: a quiet start, `--verbose`, exit
statuses and error messages (`run`), cleanup.

Exit statuses: 0 done, 2 a user error (bad arguments, config, data, model name or file: a
`ValueError` such as `ConfigError`, `DatasetError`, `EvaluationError` or `ImageError`, or an
`OSError` such as a missing file), printed as `error: <message>` without a traceback; 130
interrupted (Ctrl-C); 1 a failure a command names (a diverged training run, an export that
fails its self-check). Commands import library modules only, never each other.

TensorFlow prints start-up lines from C++ when it is first imported (the oneDNN notice, the
CUDA stub, CPU features) and, on a machine without a CUDA driver, a `cuInit` error when it
looks for GPUs. Some go through absl before its logging is set up, so `TF_CPP_MIN_LOG_LEVEL`
alone cannot hide them. `python -m tunablecnn.X` imports `tunablecnn/__init__.py` before the
command module, so that file calls `quiet_start()` first: for a command (and only then) it sets
`TF_CPP_MIN_LOG_LEVEL=2` unless the user set it, and imports TensorFlow and lists the GPUs with
the lines below that level dropped from stderr. Anything else printed meanwhile is kept.
`--verbose`, or the user's own `TF_CPP_MIN_LOG_LEVEL=0`, leaves TensorFlow's output alone.
GPUs stay visible: nothing here touches `CUDA_VISIBLE_DEVICES`.
"""

import contextlib
import ctypes.util
import logging
import os
import re
import shutil
import sys
import tempfile
import traceback

logger = logging.getLogger(__name__)

QUIET_LEVEL = "2"  # TensorFlow's C++ log level for commands: errors only
_SEVERITY = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^\]]+\] ")  # absl/glog line prefix
_ABSL_BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"


def quiet_start():
    """Import TensorFlow with its start-up noise filtered, when `python -m tunablecnn.X` runs without --verbose."""
    # While `python -m` looks for the command module (importing its parent packages), sys.argv[0] is "-m".
    if sys.argv[:1] != ["-m"] or "--verbose" in sys.argv[1:]:
        return
    level = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", QUIET_LEVEL)
    if not level.isdigit() or int(level) == 0:
        return
    no_cuda_driver = ctypes.util.find_library("cuda") is None
    with filtered_stderr(lambda line: is_startup_noise(line, int(level), no_cuda_driver)):
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")  # prints the cuInit error now, inside the filter


def is_startup_noise(line, level, no_cuda_driver):
    """True for a TensorFlow C++ log line below `level` (1 info, 2 warning, 3 error), or the cuInit
    error of a machine with no CUDA driver (it only says that there is no GPU)."""
    if line.rstrip("\n") == _ABSL_BANNER:
        return level >= 1
    match = _SEVERITY.match(line)
    if match is None:
        return False
    if no_cuda_driver and "failed call to cuInit" in line:
        return True
    return "IWEF".index(match.group(1)) < level


@contextlib.contextmanager
def filtered_stderr(is_noise):
    """Capture file descriptor 2 (C++ libraries write there directly) and replay the lines that are not noise."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr: nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if not is_noise(line)))
            sys.stderr.flush()


def add_verbose_argument(parser):
    """The `--verbose` flag of every command (read by `quiet_start` before argparse runs)."""
    parser.add_argument("--verbose", action="store_true",
                        help="show every log line, TensorFlow's C++ start-up messages and repeated ones included")


def setup_logging(verbose, fmt="%(message)s"):
    """Console logging for a command: INFO, or DEBUG for tunablecnn's own loggers with --verbose.

    Without --verbose, TensorFlow's Python loggers show errors only: their INFO and WARNING lines
    (e.g. "Assets written to", printed twice through a handler of their own) are not for users.
    """
    logging.basicConfig(level=logging.INFO, format=fmt)
    logging.getLogger("tunablecnn").setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in ("absl", "tensorflow"):
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.ERROR)  # NOTSET: their default


def run(command, *args, failures=None, interrupted="interrupted"):
    """`command(*args)`'s exit status (0 when it returns None), with errors turned into messages.

    User errors (`ValueError`, `OSError`) print `error: <message>` on stderr and give 2; Ctrl-C
    prints `interrupted` and gives 130. `failures` maps other exception types to `(status, label)`:
    `<label>: <message>` is logged at ERROR, so it also reaches a run's log file. The traceback
    is logged at DEBUG (shown with --verbose).
    """
    failures = failures or {}
    try:
        status = command(*args)
    except KeyboardInterrupt:
        print(f"\n{interrupted}", file=sys.stderr)
        return 130
    except tuple(failures) as error:
        status, label = next(value for kind, value in failures.items() if isinstance(error, kind))
        _log_traceback()
        logger.error("%s: %s", label, error)
        return status
    except (ValueError, OSError) as error:
        _log_traceback()
        report_error(error)
        return 2
    return 0 if status is None else status


def report_error(error):
    """Print `error: <line>` on stderr for every line of the error's message (a `ConfigError` has one per problem)."""
    for line in str(error).splitlines() or [type(error).__name__]:
        print(f"error: {line}", file=sys.stderr)


def exit_after_training(status):
    """Exit with `status`; after a failure at once, with `os._exit`. With batches still in flight,
    tf.data's `numpy_function` decoder threads can deadlock interpreter shutdown (seen after
    Ctrl-C in long runs, and after a dataset that fails mid-run); the checkpoints are already
    on disk, so skipping the rest of shutdown loses nothing."""
    if status == 0:
        sys.exit(0)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


@contextlib.contextmanager
def removed_if_left_empty(directory):
    """Remove `directory` if the block fails, it did not exist before, and no file in it holds data
    (e.g. a run that failed on its dataset after creating an empty train.log)."""
    existed = os.path.lexists(directory)
    try:
        yield
    except BaseException:
        if not existed and os.path.isdir(directory) and _holds_nothing(directory):
            shutil.rmtree(directory, ignore_errors=True)
        raise


def _holds_nothing(directory):
    # lstat: a symlink (even a broken one) has a size, so it counts as content and is kept.
    sizes = (os.lstat(os.path.join(root, name)).st_size for root, _, names in os.walk(directory) for name in names)
    return not any(sizes)


def _log_traceback():
    logger.debug("%s", traceback.format_exc().rstrip())
