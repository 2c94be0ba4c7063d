"""A file of baseline scores, so slow baselines (BM3D: ~7 s per BSD68 image) run once per noisy image.

One JSON object per line: `{"key", "psnr", "ssim", "seconds"}`. The key hashes the method name
and the exact noisy image, so a different dataset, sigma, seed or channel count never hits.
Only deterministic baselines belong here; models change between runs and are never cached.
"""

import hashlib
import json
import os


class ScoreCache:
    def __init__(self, path):
        self.path = path
        self.entries = {}
        if os.path.isfile(path):
            with open(path) as handle:
                for line in handle:
                    if line.strip():
                        entry = json.loads(line)
                        self.entries[entry["key"]] = (entry["psnr"], entry["ssim"], entry["seconds"])
        self.hits = 0

    @staticmethod
    def key(method, noisy):
        digest = hashlib.sha256(noisy.tobytes() + str((noisy.shape, noisy.dtype.str)).encode()).hexdigest()
        return f"{method}:{digest}"

    def get(self, key):
        """`(psnr, ssim, seconds)` or None."""
        found = self.entries.get(key)
        self.hits += found is not None
        return found

    def put(self, key, psnr, ssim, seconds):
        self.entries[key] = (psnr, ssim, seconds)
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        with open(self.path, "a") as handle:  # appended at once: an interrupted run keeps what it scored
            handle.write(json.dumps({"key": key, "psnr": psnr, "ssim": ssim, "seconds": seconds}) + "\n")
