"""The pair engine: two articles in, a :class:`~retold.types.Report` out.

:func:`prepare` is the per-document work (segment, boilerplate, features,
vectors) and :func:`compare_prepared` the per-pair work; both are pure
functions of their inputs, so an index or a Spark job can prepare each
document once and compare many pairs.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from retold.align import AlignParams, Features, align, features
from retold.boilerplate import (
    LLM_CHATTER,
    NOTICE,
    classify_paragraphs,
    set_notices_aside,
    without_chatter_opening,
)
from retold.decision import Decision, decide
from retold.embed import Encoder, Vectors, default_encoder, load_aside
from retold.errors import InputTooLargeError
from retold.evidence import (
    Profile,
    head_overlap,
    language_features,
    opening_terms,
    pair_evidence,
    profile,
    warm,
)
from retold.segment import Segmented, guess_language, paragraph_spans, segment
from retold.types import (
    REUSE,
    Alignment,
    BoilerplateBlock,
    Change,
    Coverage,
    Document,
    Passage,
    Report,
    Sentence,
    Span,
    Verdict,
    published_first,
    source_of,
)
from retold.wording import telling_words

__all__ = [
    "MAX_PAIR_CELLS",
    "Prepared",
    "align_prepared",
    "chatter",
    "check_pair_size",
    "compare",
    "compare_prepared",
    "credit_changes",
    "credited_source",
    "encode_prepared",
    "head_cosine",
    "headline",
    "pair_features",
    "prepare",
    "prepare_unencoded",
    "verdict_for",
    "within_pair_limit",
]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document ready to compare: its sentences, boilerplate, features and vectors."""

    doc: Document
    seg: Segmented
    body: tuple[Sentence, ...]
    features: tuple[Features, ...]
    vectors: Vectors
    boilerplate: tuple[BoilerplateBlock, ...]
    #: the vector of :func:`headline` (None until encoded with the body)
    head: npt.NDArray[np.float32] | None = None
    #: the lexical profile the pair engine reads, once computed and kept
    #: (:meth:`profiled`); None: computed at compare time
    profile: Profile | None = None
    #: the opening's weighted content stems (:func:`opening_terms`), kept
    #: with the profile
    opening: tuple[tuple[str, float], ...] | None = None

    @property
    def body_chars(self) -> int:
        return sum(s.end - s.start for s in self.body)

    def with_vectors(self, vectors: Vectors) -> Prepared:
        """This document with ``vectors`` as its body sentence vectors, one row per
        body sentence in order (a different count is a bug: ``ValueError``)."""
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[0] != len(self.body):
            raise ValueError(
                f"{vecs.shape[0] if vecs.ndim else 0} sentence vectors for "
                f"{len(self.body)} body sentences"
            )
        return replace(self, vectors=vecs)

    def profiled(self) -> Prepared:
        """This document with its lexical profile kept, for a document compared
        many times over (a search candidate across a batch of queries)."""
        if self.profile is not None and self.opening is not None:
            return self
        return replace(
            self,
            profile=self.profile or profile([s.text for s in self.body], self.seg.language),
            opening=_opening(self),
        )

    def with_head(self, vector: npt.ArrayLike | None) -> Prepared:
        """This document with ``vector`` as the vector of its :func:`headline`."""
        if vector is None:
            return replace(self, head=None)
        return replace(self, head=np.asarray(vector, dtype=np.float32).reshape(-1))


def _as_document(x: str | Document) -> Document:
    if isinstance(x, Document):
        from retold.ingest.decode import check_text

        check_text(x.text, name=x.id or x.url or "the document", hint="give the article text")
        return x
    from retold.ingest import read_text

    return read_text(x)


def prepare_unencoded(doc: Document) -> Prepared:
    """:func:`prepare` without the encoder: segment, set boilerplate aside, take
    features. ``vectors`` is an empty ``(sentences, 0)`` array until
    :meth:`Prepared.with_vectors` attaches the body's sentence vectors (encoded
    in a batch with other documents, or stored by an index)."""
    lang = doc.language or guess_language(doc.text)
    paras = paragraph_spans(doc.text)
    reasons = classify_paragraphs(doc.text, paras)
    seg, notices = set_notices_aside(segment(doc.text, lang, boilerplate=reasons.items()))
    body = tuple(seg.body())
    feats = tuple(features(s.text) for s in body)
    blocks = tuple(
        sorted(
            (
                *(BoilerplateBlock(*paras[p], reason) for p, reason in reasons.items()),
                *notices,
            ),
            key=lambda b: b.start,
        )
    )
    if doc.language is None:
        doc = replace(doc, language=lang)
    empty = np.zeros((len(body), 0), dtype=np.float32)
    return Prepared(doc, seg, body, feats, empty, blocks)


def prepare(doc: Document, encoder: Encoder | None = None) -> Prepared:
    """Segment a document, set its boilerplate aside and encode its body
    sentences and its :func:`headline` (in one batch)."""
    return encode_prepared(prepare_unencoded(doc), encoder or default_encoder())


def encode_prepared(p: Prepared, encoder: Encoder) -> Prepared:
    """``p`` with its body sentences and its :func:`headline` encoded by
    ``encoder`` (one batch)."""
    vecs = encoder.encode([*(s.text for s in p.body), headline(p.doc)])
    return p.with_vectors(vecs[:-1]).with_head(vecs[-1])


#: words of a text's start read as its headline when the reader found no title
HEADLINE_WORDS = 10
_WORD = re.compile(r"\w+")


def headline(doc: Document) -> str:
    """What stands for the document's headline: the title its page gave, else
    the first :data:`HEADLINE_WORDS` words of its text, boilerplate or not.

    Pasted and crawled articles start with their title, often glued to the
    body or to a cookie banner that boilerplate removal drops with it; two
    reports of one event tend to share a headline even when the crawl kept
    little else of one of them. (Out of fold on SemEval's pairs, the cosine
    of the first 10, 15 or 25 words: Pearson 0.761, 0.753, 0.751.)
    """
    if doc.title and _WORD.search(doc.title):
        return " ".join(doc.title.split())[:300]
    text = without_chatter_opening(doc.text[:2000])
    words = list(itertools.islice(_WORD.finditer(text), HEADLINE_WORDS))
    return " ".join(text[: words[-1].end()].split()) if words else ""


def _headline_pair(pa: Prepared, pb: Prepared) -> tuple[Span, Span] | None:
    """The spans of the two texts' headlines (the first block each set aside
    as a headline), when both have one."""
    ha, hb = (
        next((b.span for b in p.boilerplate if b.reason == "headline"), None) for p in (pa, pb)
    )
    return (ha, hb) if ha is not None and hb is not None else None


def _opening(p: Prepared) -> tuple[tuple[str, float], ...]:
    """The opening words of a document (its title first, when it has one)."""
    if p.opening is not None:
        return p.opening
    body = without_chatter_opening(p.doc.text[:4000])
    text = f"{p.doc.title}\n{body}" if p.doc.title else body
    return opening_terms(text, p.seg.language)


def head_cosine(pa: Prepared, pb: Prepared) -> float:
    """Cosine of the two headlines' vectors; the first body sentences' when a
    document has none (stored before headlines were, or another encoder's)."""

    def vec(p: Prepared) -> npt.NDArray[np.float32] | None:
        if p.head is not None:
            return p.head
        return p.vectors[0] if len(p.vectors) else None

    va, vb = vec(pa), vec(pb)
    if va is None or vb is None or va.shape != vb.shape:
        return 0.0
    denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb) / denom if denom else 0.0


def _passages(doc: Document, body: Sequence[Sentence], used: set[int]) -> list[Passage]:
    """Runs of consecutive unaligned body sentences."""
    out: list[Passage] = []
    run: list[Sentence] = []
    for s in [*body, None]:
        if s is not None and s.index not in used:
            run.append(s)
            continue
        if run:
            start, end = run[0].start, run[-1].end
            out.append(Passage(start, end, tuple(x.index for x in run), doc.text[start:end]))
            run = []
    return out


def verdict_for(f: dict[str, float]) -> Verdict:
    """The verdict from a pair's features (see :func:`compare_prepared` and
    :mod:`retold.decision`)."""
    return decide(f).verdict


_PROFILES: OrderedDict[int, tuple[Prepared, Profile]] = OrderedDict()
_PROFILES_LOCK = threading.Lock()


def _profile(p: Prepared) -> Profile:
    """The document's lexical profile, cached while the document is in use
    (a query is compared with several candidates in a row)."""
    if p.profile is not None:
        return p.profile
    key = id(p)
    with _PROFILES_LOCK:
        got = _PROFILES.get(key)
        if got is not None and got[0] is p:
            _PROFILES.move_to_end(key)
            return got[1]
    prof = profile([s.text for s in p.body], p.seg.language)
    with _PROFILES_LOCK:
        _PROFILES[key] = (p, prof)  # holding p keeps its id from being reused
        while len(_PROFILES) > 64:
            _PROFILES.popitem(last=False)
    return prof


def pair_features(pa: Prepared, pb: Prepared, alignments: Sequence[Alignment]) -> dict[str, float]:
    """Everything the decision reads about a pair: alignment shares, topic and
    the evidence of :mod:`retold.evidence`."""
    used_a = {i for al in alignments for i in al.a_sentences}
    used_b = {j for al in alignments for j in al.b_sentences}
    sent_a = {s.index: s for s in pa.body}
    sent_b = {s.index: s for s in pb.body}

    def chars(sents: dict[int, Sentence], ids: set[int]) -> int:
        return sum(sents[i].end - sents[i].start for i in ids)

    cov_a = chars(sent_a, used_a) / pa.body_chars if pa.body_chars else 0.0
    cov_b = chars(sent_b, used_b) / pb.body_chars if pb.body_chars else 0.0
    aligned_chars = sum(chars(sent_a, set(al.a_sentences)) for al in alignments) or 1
    verb = sum(chars(sent_a, set(al.a_sentences)) for al in alignments if al.kind == "verbatim")
    near = sum(
        chars(sent_a, set(al.a_sentences)) for al in alignments if al.kind == "near-verbatim"
    )
    # the same measured on B's side: the mean is the same whichever text is A
    lit_b = sum(
        chars(sent_b, set(al.b_sentences)) for al in alignments if al.kind != "paraphrase"
    ) / (sum(chars(sent_b, set(al.b_sentences)) for al in alignments) or 1)
    topic = 0.0
    if len(pa.vectors) and len(pb.vectors):
        ma, mb = pa.vectors.mean(axis=0), pb.vectors.mean(axis=0)
        denom = float(np.linalg.norm(ma) * np.linalg.norm(mb)) or 1.0
        topic = float(ma @ mb) / denom
    feats: dict[str, float] = {
        "coverage_a_in_b": cov_a,
        "coverage_b_in_a": cov_b,
        "verbatim_share": verb / aligned_chars,
        "near_verbatim_share": near / aligned_chars,
        "literal_share": ((verb + near) / aligned_chars + lit_b) / 2,
        "mean_score": float(np.mean([al.score for al in alignments])) if alignments else 0.0,
        "aligned_pairs": float(len(alignments)),
        "min_sentences": float(min(len(pa.body), len(pb.body))),
        "length_ratio": (
            min(pa.body_chars, pb.body_chars) / max(pa.body_chars, pb.body_chars)
            if max(pa.body_chars, pb.body_chars)
            else 0.0
        ),
        "topic": topic,
        "same_language": float(pa.seg.language == pb.seg.language),
        "head": head_cosine(pa, pb),
        # a language model's reply left around a text: that text is the rewrite
        "chatter_diff": chatter(pa) - chatter(pb),
    }
    feats |= head_overlap(_opening(pa), _opening(pb))
    feats |= language_features(pa.seg.language, pb.seg.language)
    feats |= pair_evidence(
        _profile(pa),
        _profile(pb),
        pa.vectors,
        pb.vectors,
        [s.end - s.start for s in pa.body],
        [s.end - s.start for s in pb.body],
    )
    return feats


#: peak bytes the pair engine holds per sentence pair: a few float32 matrices
#: of A's body sentences times B's at once (measured 23 on a 1 MB pair)
_BYTES_PER_PAIR = 25
#: sentence pairs one comparison may score: about 2.5 GB at its peak. Two
#: 1 MB texts of ordinary sentences come to about 60 million.
MAX_PAIR_CELLS = 100_000_000


def check_pair_size(pa: Prepared, pb: Prepared) -> None:
    """Raise :class:`InputTooLargeError` when the pair is over :data:`MAX_PAIR_CELLS`."""
    n, m = len(pa.body), len(pb.body)
    if n * m > MAX_PAIR_CELLS:
        raise InputTooLargeError(
            f"the texts are too long to compare as one pair: A has {n:,} sentences and "
            f"B {m:,}, {n * m:,} sentence pairs to score, over the limit of "
            f"{MAX_PAIR_CELLS:,} (about {MAX_PAIR_CELLS * _BYTES_PER_PAIR / 1e9:.1f} GB "
            "of memory); "
            "compare them a part at a time (a chapter, or one article), or add one to an "
            "index (retold index add) and search it with parts of the other"
        )


def within_pair_limit(pa: Prepared, pb: Prepared) -> tuple[Prepared, Prepared]:
    """The pair cut to its leading body sentences when it is over
    :data:`MAX_PAIR_CELLS` (the longer text first), for corpus work that
    must go on past one giant pair: search verification and story links read
    what two texts share from their opening sentences then."""
    n, m = len(pa.body), len(pb.body)
    if n * m <= MAX_PAIR_CELLS:
        return pa, pb
    side = math.isqrt(MAX_PAIR_CELLS)
    if n <= side:
        return pa, _leading(pb, MAX_PAIR_CELLS // n)
    if m <= side:
        return _leading(pa, MAX_PAIR_CELLS // m), pb
    return _leading(pa, side), _leading(pb, side)


def _leading(p: Prepared, k: int) -> Prepared:
    """``p`` with only its first ``k`` body sentences (its profile dropped: it
    was of the whole body)."""
    return replace(p, body=p.body[:k], features=p.features[:k], vectors=p.vectors[:k], profile=None)


#: the encoder's share of a sentence pair's score across languages. Two
#: languages share no content stem but a name or a figure, so with the
#: monolingual blend (0.6) a translated sentence scored at most 0.6 x its
#: cosine, under the seed threshold: SemEval's machine translations had 0.70
#: of their sentences aligned. On the cosine alone 0.93 are, and two reports
#: of one story in two languages 0.13 (0.12-0.17 in one language), two
#: different stories 0.008 (0.02-0.04)
CROSS_LINGUAL_W_COS = 1.0


def align_prepared(
    pa: Prepared, pb: Prepared, params: AlignParams = AlignParams()
) -> list[Alignment]:
    """The alignment of two prepared documents: :func:`retold.align.align`
    with the encoder's cosine alone across languages (:data:`CROSS_LINGUAL_W_COS`).
    The decision's training script aligns its pairs with this too."""
    if pa.seg.language != pb.seg.language:
        params = replace(params, w_cos=CROSS_LINGUAL_W_COS)
    return align(pa.body, pb.body, pa.vectors, pb.vectors, params, pa.features, pb.features)


def compare_prepared(
    pa: Prepared,
    pb: Prepared,
    params: AlignParams = AlignParams(),
    *,
    with_changes: bool = True,
) -> Report:
    """Compare two prepared documents (``with_changes=False`` skips the change
    analysis when only the verdict and alignment are wanted).

    A pair over :data:`MAX_PAIR_CELLS` raises :class:`InputTooLargeError`
    (:func:`within_pair_limit` cuts it down instead)."""
    check_pair_size(pa, pb)
    alignments = align_prepared(pa, pb, params)
    used_a = {i for al in alignments for i in al.a_sentences}
    used_b = {j for al in alignments for j in al.b_sentences}
    feats = pair_features(pa, pb, alignments)
    words = telling_words(_profile(pa).tf.keys(), _profile(pb).tf.keys())
    dec = decide(feats, words, (pa.doc.date, pb.doc.date), (pa.seg.language, pb.seg.language))
    changes = []
    if with_changes:
        from retold.changes import find_changes
        from retold.changes.loose import loose_pairs

        # in a text made from the other, the sentences the alignments leave out,
        # wholly or in part, paired with what they were made from: for the changes only
        made = dec.verdict in REUSE
        loose = (
            loose_pairs(
                pa.body,
                pb.body,
                pa.vectors,
                pb.vectors,
                alignments,
                pa.seg.language,
                pb.seg.language,
            )
            if made
            else []
        )
        if made and (heads := _headline_pair(pa, pb)):
            # headlines are set aside from the alignment (rewrites write their
            # own), but a figure or name swapped in one is a change a reader sees first
            loose = [heads, *loose]
        changes = find_changes(
            pa.doc.text,
            pb.doc.text,
            [(al.a, al.b) for al in alignments],
            lang_a=pa.seg.language,
            lang_b=pb.seg.language,
            loose=loose,
        )
        # and shown: B's sentences no alignment holds, with what they were made from
        extra = _loose_alignments(pa, pb, loose, used_a, used_b)
        if extra:
            alignments = sorted(
                [*alignments, *extra], key=lambda al: (al.a_sentences[0], al.b_sentences[0])
            )
            used_a |= {i for al in extra for i in al.a_sentences}
            used_b |= {j for al in extra for j in al.b_sentences}
        if dec.verdict in REUSE:
            # only a copy owes its source a credit: two reports of one event
            # have their own bylines
            credits = credit_changes(pa, pb)
            # a dateline's agency swapped is also a name changed in its passage: said once
            said = {(c.a, c.b) for c in credits}
            changes = [c for c in changes if (c.a, c.b) not in said] + credits
    why = dec.why
    if dec.verdict in REUSE and with_changes:
        why += _credits_disagree(pa, pb, dec, [c for c in changes if c.kind == "credit"])
    for side, p in (("A", pa), ("B", pb)):
        if not p.body:
            why += f"\n{side} has {no_text_left(p)}."
        if p.doc.repaired:
            why += f"\n{side}: {p.doc.repaired}; its spans point into the repaired text."
    return Report(
        verdict=dec.verdict,
        similarity=dec.similarity,
        coverage=Coverage(feats["coverage_a_in_b"], feats["coverage_b_in_a"]),
        alignments=alignments,
        changes=changes,
        boilerplate_a=list(pa.boilerplate),
        boilerplate_b=list(pb.boilerplate),
        added=_passages(pb.doc, pb.body, used_b),
        dropped=_passages(pa.doc, pa.body, used_a),
        a=pa.doc,
        b=pb.doc,
        features=feats,
        probabilities={
            "derived": dec.p_derived,
            "same_story": dec.p_same_story,
            "a_is_source": dec.p_a_source,
        },
        why=why,
    )


def _loose_alignments(
    pa: Prepared,
    pb: Prepared,
    loose: Sequence[tuple[Span, Span]],
    used_a: set[int],
    used_b: set[int],
) -> list[Alignment]:
    """The loose pairs (:func:`retold.changes.loose.loose_pairs`) of a B sentence
    and A sentences that no alignment holds, as alignments marked ``loose`` (a
    paraphrase; the score is the B sentence's cosine with the A sentences
    together): a sentence the rewrite added, paired with what it restates of
    the sentences the source would otherwise have dropped.

    A loose pair rests on a few shared names and rare words, which new
    material on the same story shares with sentences the aligner already
    pairs elsewhere (the motivating pair's rewrite adds an interview and
    another prisoner, which pair by "Trump" and "Foro Penal" with aligned
    sentences of A): those are not shown."""
    starts_a = [s.start for s in pa.body]
    starts_b = [s.start for s in pb.body]

    def within(body: Sequence[Sentence], starts: list[int], span: Span) -> list[int]:
        """Positions of the body sentences inside ``span``."""
        k = bisect.bisect_left(starts, span[0])
        got = []
        while k < len(body) and body[k].end <= span[1]:
            got.append(k)
            k += 1
        return got

    out = []
    for sa, sb in loose:
        ia, ib = within(pa.body, starts_a, sa), within(pb.body, starts_b, sb)
        if (
            not ia
            or not ib
            or any(pa.body[k].index in used_a for k in ia)
            or any(pb.body[k].index in used_b for k in ib)
        ):
            continue
        va = pa.vectors[ia].sum(axis=0)
        vb = pb.vectors[ib].sum(axis=0)
        norm = float(np.linalg.norm(va) * np.linalg.norm(vb))
        out.append(
            Alignment(
                a=(pa.body[ia[0]].start, pa.body[ia[-1]].end),
                b=(pb.body[ib[0]].start, pb.body[ib[-1]].end),
                a_sentences=tuple(pa.body[k].index for k in ia),
                b_sentences=tuple(pb.body[k].index for k in ib),
                kind="paraphrase",
                score=min(1.0, max(0.0, float(va @ vb) / norm)) if norm else 0.0,
                loose=True,
            )
        )
    return out


def credited_source(
    pa: Prepared, pb: Prepared, credits: Sequence[Change]
) -> tuple[str, list[str]] | None:
    """Which text the credits name as the source ("A" or "B"), and what the
    other did to its credits ("drops A's byline"): one text drops credits the
    other gives, and not the other way round; None when neither or both do.
    ``credits`` are :func:`credit_changes` of ``pa`` and ``pb``. Said, not
    weighed in the direction: no development data has credits to learn
    their weight from."""
    from retold.changes.credits import credits_lost

    lost = {"A": credits_lost(credits, "A"), "B": credits_lost(credit_changes(pb, pa), "B")}
    if all(any("contributors" in x for x in v) for v in lost.values()):
        # both contributor lines miss some of the other's: one is a garbled
        # copy of the other, and which one the names do not tell
        lost = {k: [x for x in v if "contributors" not in x] for k, v in lost.items()}
    if lost["A"] and not lost["B"]:
        return "A", lost["A"]
    if lost["B"] and not lost["A"]:
        return "B", lost["B"]
    return None


def _credits_disagree(pa: Prepared, pb: Prepared, dec: Decision, credits: list[Change]) -> str:
    """A line when the credits name a copy the text's reading does not (it
    reads the other text as the source, or cannot tell) and no dates
    decided (see :func:`credited_source`)."""
    if published_first(pa.doc.date, pb.doc.date) is not None:
        return ""
    named = credited_source(pa, pb, credits)
    picked = source_of(dec.p_a_source)
    if named is None or picked == named[0].lower():
        return ""
    src, done = named
    other = "B" if src == "A" else "A"
    said = ", ".join(done[:-1]) + ", and " + done[-1] if len(done) > 1 else done[0]
    return (
        f"\n{'Yet ' if picked else ''}{other} {said}, and {src} none of {other}'s credits: "
        "a copy's mark, which the reading of the text does not weigh."
    )


def credit_changes(pa: Prepared, pb: Prepared) -> list[Change]:
    """What B did to A's credits (agency, byline, contributors), read from the
    whole pages: their texts, boilerplate blocks and byline metadata."""
    from retold.changes.credits import credit_changes as changes

    a, b = pa.doc, pb.doc
    return changes(a.text, b.text, pa.boilerplate, pb.boilerplate, a.byline, b.byline)


def chatter(p: Prepared) -> float:
    """1.0 when ``p`` carries a language model's reply around its text
    (:data:`~retold.boilerplate.LLM_CHATTER`), else 0.0."""
    return float(any(b.reason == LLM_CHATTER for b in p.boilerplate))


def no_text_left(p: Prepared) -> str:
    """Why ``p`` has no body, said so a reader knows what to do ("... has " + this)."""
    if any(b.reason == NOTICE for b in p.boilerplate):
        return (
            "no article text left after setting boilerplate aside: it is the site's notice "
            "(a consent wall, paywall or bot check), not the article; fetch the page again "
            "or give the article's text"
        )
    return "no article text left after setting boilerplate aside"


def compare(
    a: str | Document,
    b: str | Document,
    *,
    encoder: Encoder | None = None,
    params: AlignParams = AlignParams(),
) -> Report:
    """Compare article ``a`` (the candidate source) with article ``b``.

    Strings are article texts (HTML is recognised and its main text extracted);
    use :func:`retold.read` for files and URLs.
    """
    da, db = _as_document(a), _as_document(b)
    if encoder is None:
        load_aside()
    ua, ub = prepare_unencoded(da), prepare_unencoded(db)
    check_pair_size(ua, ub)  # before minutes of encoding, not after
    enc = encoder or default_encoder()
    return compare_prepared(encode_prepared(ua, enc), encode_prepared(ub, enc), params)


def _warm_up() -> None:
    """Load the language identifier and the English word frequencies at import.

    Every comparison needs them, and a process that imports this module to
    serve (the service's forkserver, the index's parent) forks its workers
    afterwards: they start warm instead of paying about 0.7 s on their first
    request. ``retold --help`` does not import this module.
    """
    from retold.segment import guess_language

    guess_language("warm up the language identifier")
    warm("en")


_warm_up()
