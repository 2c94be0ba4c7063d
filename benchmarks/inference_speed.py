"""Inference time per megapixel and PSNR of exported models and classical baselines, same images.

    python benchmarks/inference_speed.py [--model NAME|PATH ...] [--dataset ../shared/data/BSD68]
        [--images 4] [--sigma 25] [--threads 1,2] [--repeats 3] [--baselines bm3d,nlm]
        [--output benchmarks/results/inference_speed]

For every model (default: all bundled ones) and thread count, times the Keras model (in a
tf.function), the SavedModel (`load_model(..., backend="saved_model")`), and TFLite float32
(`model_float.tflite`) and float16 (converted here) through ai-edge-litert, one image at a time
with float input. Tunable models run at their calibrated alpha for --sigma. BM3D (optional
package) and OpenCV non-local means run on the same noisy images. Each thread count runs in its
own process, because TensorFlow fixes its thread pools at start-up. Per image: one untimed
warm-up run (graph tracing, TFLite allocation), then the median of --repeats runs; the table
reports total time / total megapixels. Writes results.json and psnr_vs_time.png to --output.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def main():
    args = _parser().parse_args()
    if args.worker:
        with open(args.worker_output, "w") as handle:
            json.dump(run_worker(args), handle)
        return
    rows = []
    for threads in args.threads:
        rows += _spawn_worker(threads)
    settings = {"images": args.images, "dataset": args.dataset, "sigma": args.sigma, "repeats": args.repeats,
                "machine": _machine(), "command": " ".join(["python"] + sys.argv)}
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "results.json"), "w") as handle:
        json.dump({"settings": settings, "results": rows}, handle, indent=2)
    print_table(rows, args.threads, settings)
    plot_psnr_vs_time(os.path.join(args.output, "psnr_vs_time.png"), rows, max(args.threads), settings)
    print(f"wrote {args.output}/results.json and psnr_vs_time.png")


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", metavar="NAME|PATH", help="default: every bundled model")
    parser.add_argument("--dataset", default=os.path.join("..", "shared", "data", "BSD68"))
    parser.add_argument("--images", type=int, default=4, help="first N images of the dataset")
    parser.add_argument("--sigma", type=float, default=25.0)
    parser.add_argument("--threads", type=lambda t: [int(n) for n in t.split(",")], default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baselines", default="bm3d,nlm", help="comma list from bm3d,nlm; empty for none")
    parser.add_argument("--output", default=os.path.join("benchmarks", "results", "inference_speed"))
    parser.add_argument("--worker", type=int, metavar="THREADS", help=argparse.SUPPRESS)
    parser.add_argument("--worker-output", help=argparse.SUPPRESS)
    return parser


def _spawn_worker(threads):
    # Thread pools of TensorFlow, OpenCV and OpenMP (BM3D) are fixed per process.
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "TF_CPP_MIN_LOG_LEVEL": "2"}
    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, "rows.json")
        argv = sys.argv[1:] + ["--worker", str(threads), "--worker-output", output]
        if subprocess.run([sys.executable, os.path.abspath(__file__)] + argv, env=env).returncode:
            raise SystemExit(f"the {threads}-thread worker failed (see its error above)")
        with open(output) as handle:
            return json.load(handle)


def run_worker(args):
    """Rows `{method, backend, threads, seconds_per_megapixel, psnr}` for one thread count."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.worker)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import cv2

    cv2.setNumThreads(args.worker)
    noisy, clean = _noisy_images(args)
    rows = []
    for name, backend, denoise in _candidates(args):
        seconds, psnr = time_method(denoise, noisy, clean, args.repeats)
        rows.append({"method": name, "backend": backend, "threads": args.worker, "psnr": psnr,
                     "seconds_per_megapixel": seconds / _megapixels(clean)})
        print(f"[{args.worker} thread(s)] {name} {backend}: {rows[-1]['seconds_per_megapixel']:.3f} s/MP, "
              f"{psnr:.2f} dB", file=sys.stderr, flush=True)
    return rows


def time_method(denoise, noisy, clean, repeats):
    """`(total seconds, mean PSNR)`: per image one warm-up, then the median of `repeats` timed runs."""
    from tunablecnn.metrics import psnr

    total, scores = 0.0, []
    for image, reference in zip(noisy, clean):
        restored = denoise(image)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            denoise(image)
            times.append(time.perf_counter() - start)
        total += statistics.median(times)
        scores.append(psnr(reference, np.clip(restored, 0, 255)))
    return total, float(np.mean(scores))


def _noisy_images(args):
    from tunablecnn.evaluate import load_dataset
    from tunablecnn.metrics import add_noise, noise_seed

    clean = [image for _, image in load_dataset(args.dataset, 1, args.images)]
    noisy = [add_noise(image, args.sigma, noise_seed(0, i, args.sigma)) for i, image in enumerate(clean)]
    return noisy, clean


def _candidates(args):
    """`(method, backend, denoise)`: denoise maps a noisy `[H, W, 1]` 0-255 image to 0-255."""
    from tunablecnn import list_models, load_model

    for spec in args.model or list_models():
        denoiser = load_model(spec)
        yield from _model_candidates(denoiser, args.sigma, args.worker)
    for name in filter(None, args.baselines.split(",")):
        function = _baseline(name)
        if function is not None:
            yield name, "-", lambda image, f=function: f(image, args.sigma)


def _model_candidates(denoiser, sigma, threads):
    from tunablecnn.export import convert_to_tflite, float_serving_function
    from tunablecnn.inference import TFLiteRunner
    from tunablecnn.model_folder import FILES

    name = denoiser.metadata["name"]
    alpha = np.full((1, 1), denoiser.alpha_for_level(sigma), np.float32) if denoiser.tunable else None
    model = _keras_model(denoiser.directory)
    serving = float_serving_function(model)
    extra = {} if alpha is None else {"alpha": alpha}

    def batch(image):
        return (image / 255.0).astype(np.float32)[None]

    yield name, "keras", lambda image: serving(batch(image), **extra)["denoised"].numpy()[0] * 255.0
    yield name, "saved_model", lambda image: denoiser(image / 255.0, **({} if alpha is None else {"alpha": float(alpha[0, 0])})) * 255.0
    float32 = os.path.join(denoiser.directory, FILES["tflite_float"])
    if not os.path.isfile(float32):  # a bundled model shipped without its TFLite files: convert it here
        float32 = convert_to_tflite(float_serving_function(model, freeze=True))
    runners = {"tflite_float32": TFLiteRunner(float32, num_threads=threads),
               "tflite_float16": TFLiteRunner(convert_to_tflite(float_serving_function(model, freeze=True), quantize="float16"),
                                             num_threads=threads)}
    for backend, runner in runners.items():
        yield name, backend, lambda image, r=runner: r(image=batch(image), **extra)[0] * 255.0


def _keras_model(directory):
    from tunablecnn import build_model, load_pipeline
    from tunablecnn.model_folder import FILES
    from tunablecnn.train.checkpoints import load_weights, resolve_weights

    model = build_model(load_pipeline(os.path.join(directory, FILES["pipeline"])))
    load_weights(model, resolve_weights(directory))
    return model


def _baseline(name):
    from tunablecnn.evaluate import bm3d_denoise, nlm_denoise

    if name == "bm3d":
        try:
            import bm3d  # noqa: F401  optional: the `benchmarks` extra
        except ImportError:
            print("note: bm3d is not installed (pip install '.[benchmarks]'); skipped", file=sys.stderr)
            return None
        return bm3d_denoise
    if name == "nlm":
        return nlm_denoise
    raise SystemExit(f"unknown baseline {name!r}; choose from bm3d, nlm")


def _megapixels(images):
    return sum(image.shape[0] * image.shape[1] for image in images) / 1e6


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()}"


def print_table(rows, thread_counts, settings):
    print(f"\nSeconds per megapixel, sigma {settings['sigma']:g}, first {settings['images']} image(s) of "
          f"{settings['dataset']}, median of {settings['repeats']}; {settings['machine']}\n")
    print("| method | backend | PSNR dB | " + " | ".join(f"{t} thread(s) s/MP" for t in thread_counts) + " |")
    print("|---|---|---:|" + "---:|" * len(thread_counts))
    for method, backend in dict.fromkeys((r["method"], r["backend"]) for r in rows):
        cells = {r["threads"]: r for r in rows if (r["method"], r["backend"]) == (method, backend)}
        times = " | ".join(f"{cells[t]['seconds_per_megapixel']:.3f}" if t in cells else "-" for t in thread_counts)
        print(f"| {method} | {backend} | {cells[thread_counts[0]]['psnr']:.2f} | {times} |")


def plot_psnr_vs_time(path, rows, threads, settings):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5), dpi=120)
    for row in (r for r in rows if r["threads"] == threads):
        label = row["method"] if row["backend"] == "-" else f"{row['method']} ({row['backend']})"
        marker = "s" if row["backend"] == "-" else "o"
        axis.scatter(row["seconds_per_megapixel"], row["psnr"], marker=marker, label=label)
    axis.set_xscale("log")
    axis.set_xlabel(f"seconds per megapixel ({threads} thread(s), log scale)")
    axis.set_ylabel(f"PSNR dB (sigma {settings['sigma']:g})")
    axis.set_title(f"Quality against speed, first {settings['images']} image(s) of {os.path.basename(settings['dataset'])}")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7, loc="best")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


if __name__ == "__main__":
    main()
