"""Export: serving signatures, SavedModel and TFLite conversion, and running the results."""

from tunablecnn.export.serving import float_serving_function
from tunablecnn.export.tflite import TFLiteRunner, convert_to_tflite

__all__ = ["TFLiteRunner", "convert_to_tflite", "float_serving_function"]
