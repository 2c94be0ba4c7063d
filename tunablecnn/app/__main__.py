"""Start the alpha-slider page, a local web page, and serve it until Ctrl-C.

    python -m tunablecnn.app [--host 127.0.0.1] [--port 7860] [--model NAME_OR_FOLDER ...]

Open the printed address in a browser: open a picture (or take a sample), pick a model, move
alpha or the noise level and compare input and result, whole and in a magnified crop; the
estimated noise sigma and its calibrated alpha are shown, and the result can be downloaded.
The page uses `tunablecnn.load_model`, as the Python API does, and loads each model once.
It binds to 127.0.0.1 (this machine only) unless --host says otherwise, e.g. 0.0.0.0 for
every network interface: the page has no login, so do that only on a network you trust.
Needs the app extra: pip install ".[app]" (Gradio).
Exit status: 0 stopped, 2 bad arguments or Gradio missing, 130 interrupted.
"""

import argparse
import importlib.util
import logging
import os
import sys
import tempfile

from tunablecnn import cli
from tunablecnn.app.viewer import Viewer
from tunablecnn.inference import BACKENDS
from tunablecnn.model_folder import list_models, read_metadata, resolve

INSTALL_HINT = 'error: the page needs Gradio, which is not installed: pip install ".[app]"'


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tunablecnn.app", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=7860, help="port to serve on (default 7860)")
    parser.add_argument("--model", action="append", dest="models", metavar="NAME_OR_FOLDER",
                        help="a model to offer (repeat for several); default: every bundled model")
    parser.add_argument("--backend", choices=BACKENDS, default="saved_model")
    cli.add_verbose_argument(parser)
    args = parser.parse_args(argv)
    if importlib.util.find_spec("gradio") is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    cli.setup_logging(args.verbose)
    return cli.run(_serve, args)


def _serve(args):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # read when Gradio is imported: nothing phones home
    if not args.verbose:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # Gradio's own start-up requests to the page
    from tunablecnn.app import page  # imports Gradio
    viewer = Viewer(args.models or _bundled(args.backend), backend=args.backend)
    for name in viewer.models:
        viewer.model(name)  # load now: a bad name fails here, not in the browser
    with tempfile.TemporaryDirectory(prefix="tunablecnn-app-") as directory:
        page.launch(page.build_page(viewer, directory), args.host, args.port)


def _bundled(backend):
    """The bundled models the backend can run (some ship without TFLite files)."""
    names = list_models()
    if backend == "tflite":
        names = [name for name in names if "tflite" in read_metadata(resolve(name))["files"]]
    return names


if __name__ == "__main__":
    sys.exit(main())
