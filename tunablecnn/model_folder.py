"""The exported-model folder: its file names, format version, metadata, and the bundled models' names.

One home for the format that `tunablecnn.export` writes and `tunablecnn.load_model` reads (as
KerasHub's `preset_utils` owns its preset folders). A folder holds:

    metadata.json        format_version, name, model, tunable (with calibration), signature, files, metrics
    pipeline.json        the pipeline config it was built from
    model.weights.h5     Keras weights (for fine-tuning and re-export; a bundled model may ship
                         without them to keep `pretrained/` small: `load_model` does not read them,
                         and fine-tuning and export then read the SavedModel's variables instead)
    saved_model/         SavedModel: serving_default (uint8) and denoise_float signatures; tunable
                         models also alpha_map (uint8) and denoise_float_map, with alpha [N, H, W, 1]
    model.tflite         optional: TFLite, uint8 in and out (serving_default, and alpha_map if tunable)
    model_float.tflite   optional: TFLite, float in and out (the same signatures)
    model_<p>.tflite, model_float_<p>.tflite
                         optional: the same two files quantized, <p> one of float16, dynamic, int8
                         (`export --quantize`; `load_model(..., backend="tflite", precision=<p>)`)

Bundled models live in the repository's top-level `pretrained/<name>/`; a wheel installs that
folder as the package `tunablecnn.zoo`, so names resolve the same way after `pip install`.
This module imports neither TensorFlow nor a converter.
"""

import importlib.util
import json
import os

FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
QUANTIZATIONS = ("float16", "dynamic", "int8")  # TFLite files beside the float32 ones (`export --quantize`)
PRECISIONS = ("float32", *QUANTIZATIONS)
FILES = {"pipeline": "pipeline.json", "weights": "model.weights.h5", "saved_model": "saved_model",
         "tflite": "model.tflite", "tflite_float": "model_float.tflite",
         **{f"tflite{infix}_{q}": f"model{infix}_{q}.tflite" for q in QUANTIZATIONS for infix in ("", "_float")}}
SIGNATURE = "serving_default"  # uint8 in and out: the SavedModel's default and the one of both .tflite files
FLOAT_SIGNATURE = "denoise_float"  # float in [0, 1] in and out: SavedModel only
MAP_SIGNATURE = "alpha_map"  # as SIGNATURE with alpha a map [N, H, W, 1]: tunable models exported since issue 14
FLOAT_MAP_SIGNATURE = "denoise_float_map"  # as FLOAT_SIGNATURE with an alpha map: SavedModel only
MAP_METADATA = "alpha_map_signature"  # metadata key describing the map signature; absent in older exports
OUTPUT = "denoised"  # the output of every signature


def tflite_keys(precision="float32"):
    """The `FILES` keys of the two TFLite files of `precision`: (uint8 in and out, float in and out)."""
    if precision not in PRECISIONS:
        raise ValueError(f"Expected precision in {PRECISIONS}. Received: precision={precision!r}")
    suffix = "" if precision == "float32" else f"_{precision}"
    return f"tflite{suffix}", f"tflite_float{suffix}"


def is_model_folder(path):
    """True when `path` holds a metadata file (an exported model folder)."""
    return os.path.isfile(os.path.join(path, METADATA_FILE))


def read_metadata(directory):
    """The metadata of an exported folder; ValueError when its format version is not this package's."""
    with open(os.path.join(directory, METADATA_FILE)) as handle:
        metadata = json.load(handle)
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{directory}: metadata format_version {metadata.get('format_version')} is not supported "
            f"(this tunablecnn reads {FORMAT_VERSION}); re-export the model"
        )
    return metadata


def has_alpha_map(metadata):
    """Whether an exported folder offers the alpha-map signatures (tunable models exported since they exist)."""
    return metadata.get(MAP_METADATA) is not None


def write_metadata(directory, metadata):
    """Write `metadata` as the folder's metadata file, atomically (a reader never sees half a file)."""
    path = os.path.join(directory, METADATA_FILE)
    with open(path + ".tmp", "w") as handle:
        json.dump(metadata, handle, indent=2)
    os.replace(path + ".tmp", path)
    return path


def record_metrics(directory, dataset, metrics):
    """Store `metrics` as `metrics[dataset]` in an exported folder's metadata; return the metadata path."""
    metadata = read_metadata(directory)
    metadata.setdefault("metrics", {})[dataset] = metrics
    return write_metadata(directory, metadata)


def pretrained_root():
    """Folder holding the bundled models: the installed `tunablecnn.zoo`, else the source tree's `pretrained/`."""
    spec = importlib.util.find_spec("tunablecnn.zoo")
    if spec is not None and spec.submodule_search_locations:
        return list(spec.submodule_search_locations)[0]
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pretrained")


def list_models():
    """Names of the bundled pretrained models, sorted."""
    root = pretrained_root()
    if not os.path.isdir(root):
        return []
    return sorted(n for n in os.listdir(root) if is_model_folder(os.path.join(root, n)))


def resolve(name_or_path):
    """Folder of a bundled model name or of an exported model directory; ValueError listing the names otherwise."""
    path = os.fspath(name_or_path)
    if is_model_folder(path):
        return path
    if path in list_models():
        return os.path.join(pretrained_root(), path)
    raise ValueError(
        f"'{path}' is neither a bundled model nor an exported model folder (no {METADATA_FILE}); "
        f"bundled models: {', '.join(list_models()) or 'none'}"
    )
