"""One module per modulation method; importing this package registers each in `MODULATIONS`."""

from tunablecnn.models.methods import adafm, cfsnet, dni, dynamic, ftn  # noqa: F401  (registration)
