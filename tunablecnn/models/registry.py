"""A small name -> builder registry, keyed by the config's `type` string."""


class Registry:
    """Maps config strings to builders; unknown or duplicate keys raise instead of falling back."""

    def __init__(self, kind):
        self.kind = kind
        self._items = {}

    def register(self, key):
        def add(builder):
            if key in self._items:
                raise ValueError(f"{self.kind} '{key}' registered twice")
            self._items[key] = builder
            return builder

        return add

    def get(self, key):
        if key not in self._items:
            raise ValueError(f"Unknown {self.kind} '{key}'; choose from {sorted(self._items)}")
        return self._items[key]

    def keys(self):
        return sorted(self._items)


BACKBONES = Registry("model type")
