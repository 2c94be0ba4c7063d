"""Export: serving signatures, SavedModel and TFLite files, self-verification, metadata."""

from tunablecnn.export.exporter import export_model
from tunablecnn.export.serving import float_serving_function, uint8_serving_function
from tunablecnn.export.tflite import convert_to_tflite
from tunablecnn.export.verify import VerificationError

__all__ = [
    "VerificationError",
    "convert_to_tflite",
    "export_model",
    "float_serving_function",
    "uint8_serving_function",
]
