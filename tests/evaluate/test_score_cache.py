import numpy as np

from tunablecnn.evaluate import ScoreCache


def test_scores_survive_a_new_cache_on_the_same_file_and_keys_follow_the_exact_image(tmp_path):
    path = str(tmp_path / "sub" / "cache.jsonl")
    noisy = np.arange(12, dtype=np.float64).reshape(3, 4, 1)
    cache = ScoreCache(path)
    key = cache.key("bm3d", noisy)
    assert cache.get(key) is None
    cache.put(key, 30.5, 0.9, 7.0)
    reopened = ScoreCache(path)
    assert reopened.get(key) == (30.5, 0.9, 7.0) and reopened.hits == 1
    assert key != ScoreCache.key("nlm", noisy) != ScoreCache.key("bm3d", noisy + 1e-9)
    assert key != ScoreCache.key("bm3d", noisy.astype(np.float32))
