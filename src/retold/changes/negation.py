"""Negation: words that flip a clause, and where a rewrite added or removed them."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import Indel, Levenshtein

from retold.changes._passages import _Out, _tok_range
from retold.changes._tokens import _STOP_KEYS, _stem, _Tok
from retold.text import folded_words

# ---------------------------------------------------------------------------
# negation

_NEGATORS: dict[str, frozenset[str]] = {
    "en": folded_words("not no never none nobody nothing neither nor nowhere"),
    "es": folded_words("no nunca jamás ni nada nadie ninguno ninguna ningún tampoco"),
    "pt": folded_words("não nunca jamais nem nada ninguém nenhum nenhuma"),
    "fr": folded_words("pas jamais rien aucun aucune nullement"),
    "de": folded_words("nicht kein keine keinen keinem keiner keines nie niemals nichts niemand"),
    "it": folded_words("non mai nessuno nessuna niente nulla"),
    "nl": folded_words("niet geen nooit niets niemand nergens"),
    "da": folded_words("ikke aldrig ingen intet ingenting"),
    "pl": folded_words("nie nigdy nic nikt niczego nikogo żaden żadna żadne"),
    "ru": folded_words("не нет никогда ничего ничто никто никого нигде"),
    # Turkish negates inside the verb ("onaylamadı"): only its negating words are read
    "tr": folded_words("değil yok hiç asla hiçbir"),
    "ar": folded_words("لا لم لن ليس ليست ليسوا"),
}
# a text in a language without a list reads the Latin-script six's (the
# others' words are names or other words in too many languages: "nic", "to")
_ANY_NEGATOR = frozenset().union(
    *(_NEGATORS[lang] for lang in ("en", "es", "pt", "fr", "de", "it"))
) - folded_words("ni mai nie")
# "without" is "with" negated; the pair lets "with" ↔ "without" read as a flip
_NEG_WITH = {
    "without": "with",
    "sin": "con",
    "sem": "com",
    "sans": "avec",
    "ohne": "mit",
    "senza": "con",
}
_DENY = folded_words(
    "deny denies denied denying niega niegan negó negaron negar negado negando desmiente "
    "desmienten desmintió desmintieron nega negou negam"
)
_CONFIRM = folded_words(
    "confirm confirms confirmed confirming confirma confirman confirmó confirmaron "
    "confirmar confirmado confirmando confirmou confirmam"
)
_CORRELATIVE = folded_words("nor ni nem")
_NOT_ONLY = folded_words("only just merely solo sólo solamente únicamente")
_AUX = folded_words("do does did")
_NT_BASE = {"ca": "can", "wo": "will", "sha": "shall", "ai": "be"}
# keys of the verbs contracted with n't ("wasn't" → "was"), which carry the negation
_NT_KEYS = folded_words(
    "is was are were do does did has have had can could will would should must need"
)
_NEG_MARK = "¬"


_NEG_SPECIAL = frozenset({*_NEG_WITH, *_DENY, *_CONFIRM, "cannot"})


def neg_features(toks: Sequence[_Tok], negators: frozenset[str]) -> tuple[list[str], list[int]]:
    """Per token: the key to align on (negation taken off) and 1 where the token negates."""
    keys = [t.key for t in toks]
    flags = [0] * len(toks)
    special = negators | _NEG_SPECIAL
    for k, t in enumerate(toks):
        f = t.fold
        if f not in special and f[-3:] != "n't":
            continue
        if f in negators:
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            # "not only", "no sólo" and "No. 5" do not negate; "neither ... nor", "ni ... ni"
            # and "no ... ni" negate once
            if nxt is not None and (nxt.fold in _NOT_ONLY or (f == "no" and nxt.text[0].isdigit())):
                continue
            if f in _CORRELATIVE and any(flags[max(0, k - 8) : k]):
                keys[k] = _NEG_MARK
                continue
            keys[k], flags[k] = _NEG_MARK, 1
        elif f.endswith("n't") and len(f) > 3:
            keys[k], flags[k] = _stem(_NT_BASE.get(f[:-3], f[:-3])), 1
        elif f in _NEG_SPECIAL:
            if f == "cannot":
                keys[k], flags[k] = "can", 1
            elif f in _NEG_WITH:
                keys[k], flags[k] = _NEG_WITH[f], 1
            else:
                keys[k], flags[k] = "confirm", int(f in _DENY)
    return keys, flags


_NEG_MIN_RATIO = 0.6
_NEG_MIN_FLANK = 2
#: ... or, for paraphrases, when they share this much (see _anchored)
_NEG_ANCHOR_OVERLAP = 0.35
_NEG_ANCHOR_MIN_RATIO = 0.5
_MAX_NEG_TOKENS = 600
# words that negate without a negator: "failed to win" says what "did not win" says
_IMPLICIT_NEG = frozenset(
    _stem(w)
    for w in folded_words(
        "fail failed fails refuse refused refuses unable declined declines lack lacked unlikely",
        "unclear deny denied denies without rechazo rechazó negó sin impossible imposible",
    )
)


def _anchored(
    km: list[str], fm: list[int], kl: list[str], fl: list[int]
) -> list[tuple[int, int, int, int, int]]:
    """For paraphrases, where the words around a negator are seldom identical: negators on
    the side with more of them whose negated word recurs on the other side, shortly after a
    content word that also preceded the negator, with no negation (or "failed", "unable" ...)
    near it."""

    def content(keys: list[str], flags: list[int], k: int) -> bool:
        return keys[k] not in _STOP_KEYS and keys[k] not in _AUX and not flags[k]

    where: dict[str, list[int]] = {}
    for q, key in enumerate(kl):
        where.setdefault(key, []).append(q)
    sites: list[tuple[int, int, int, int, int]] = []
    for i, f in enumerate(fm):
        if not f or (km[i] != _NEG_MARK and km[i] not in _AUX and km[i] not in _NT_KEYS):
            continue
        # the negated word itself must recur: "not running" / "halted" is a paraphrase
        after = next((km[k] for k in range(i + 1, min(len(km), i + 4)) if content(km, fm, k)), "")
        before = {km[k] for k in range(max(0, i - 6), i) if content(km, fm, k)}
        for q in where.get(after, ()):
            if not any(kl[p] in before for p in range(max(0, q - 10), q)):
                continue
            if any(
                fl[p] or kl[p] in _IMPLICIT_NEG for p in range(max(0, q - 6), min(len(kl), q + 2))
            ):
                continue
            sites.append((1, i, i + 1, q, q + 1))
            break
    return sites


_Op = tuple[str, int, int, int, int]
#: a place where the negation differs: (A's negators minus B's, i1, i2, j1, j2) in passage tokens
_Site = tuple[int, int, int, int, int]


def _flanked(ops: list[_Op], n: int, la: int, lb: int) -> bool:
    """The words around the difference ``ops[n]`` line up on both sides (or it sits at an end)."""
    _, i1, i2, j1, j2 = ops[n]
    before = (
        ops[n - 1][2] - ops[n - 1][1]
        if n > 0 and ops[n - 1][0] == "equal"
        else (0 if i1 == 0 and j1 == 0 else -99)
    )
    after = (
        ops[n + 1][2] - ops[n + 1][1]
        if n + 1 < len(ops) and ops[n + 1][0] == "equal"
        else (0 if i2 == la and j2 == lb else -99)
    )
    return before >= 0 and after >= 0 and before + after >= _NEG_MIN_FLANK


def _aligned_sites(
    ops: list[_Op], ka: list[str], kb: list[str], fa: list[int], fb: list[int]
) -> list[_Site]:
    """Negation differences along the word alignment: a word negated on one side only, or a
    differing run whose other words are the same, with the clause lined up around it."""
    sites: list[_Site] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            for k in range(i2 - i1):
                if fa[i1 + k] != fb[j1 + k]:
                    sites.append((fa[i1 + k] - fb[j1 + k], i1 + k, i1 + k + 1, j1 + k, j1 + k + 1))
            continue
        diff = sum(fa[i1:i2]) - sum(fb[j1:j2])
        if diff == 0:
            continue
        rest_a = [ka[k] for k in range(i1, i2) if ka[k] != _NEG_MARK and ka[k] not in _AUX]
        rest_b = [kb[k] for k in range(j1, j2) if kb[k] != _NEG_MARK and kb[k] not in _AUX]
        # or a negator put for a word in its place ("nobody" / "somebody", "never" / "once")
        swapped = i2 - i1 == 1 == j2 - j1 and (ka[i1] == _NEG_MARK) != (kb[j1] == _NEG_MARK)
        if (rest_a == rest_b or swapped) and _flanked(ops, n, len(ka), len(kb)):
            sites.append((diff, i1, i2, j1, j2))
    return sites


def negation_changes(out: _Out) -> None:
    pa, pb = out.a, out.b
    if max(len(pa.toks), len(pb.toks)) > _MAX_NEG_TOKENS:
        return  # an alignment of whole articles, not passages: word alignment is quadratic
    fa, fb = pa.doc.neg_flags[pa.t0 : pa.t1], pb.doc.neg_flags[pb.t0 : pb.t1]
    net = sum(fa) - sum(fb)
    if net == 0:
        return  # "don't have" / "have no": the same polarity said differently
    ka, kb = pa.doc.neg_keys[pa.t0 : pa.t1], pb.doc.neg_keys[pb.t0 : pb.t1]
    # RapidFuzz: the share of words in a longest common subsequence (difflib's ratio was
    # a greedy approximation of it, and ten times slower); Levenshtein's opcodes keep the
    # "replace" runs the flank test below reads as one difference
    ratio = Indel.normalized_similarity(ka, kb)
    if ratio < _NEG_ANCHOR_MIN_RATIO:
        return
    ops = (
        [
            (o.tag, o.src_start, o.src_end, o.dest_start, o.dest_end)
            for o in Levenshtein.opcodes(ka, kb)
        ]
        if ratio >= _NEG_MIN_RATIO
        else []
    )
    sites = _aligned_sites(ops, ka, kb, fa, fb)
    # a removal next to an addition is a rewording ("not any" / "no"), not a flip
    kept = [s for s in sites if not any(o[0] * s[0] < 0 and abs(o[1] - s[1]) <= 3 for o in sites)]
    kept = [s for s in kept if s[0] * net > 0]
    if not kept and out.overlap >= _NEG_ANCHOR_OVERLAP:
        kept = (
            _anchored(ka, fa, kb, fb)
            if net > 0
            else [(d, j1, j2, i1, i2) for d, i1, i2, j1, j2 in _anchored(kb, fb, ka, fa)]
        )
        kept = [(net // abs(net), *s[1:]) for s in kept]
    for diff, i1, i2, j1, j2 in kept:
        a_words = [pa.toks[k] for k in range(i1, i2) if fa[k]]
        b_words = [pb.toks[k] for k in range(j1, j2) if fb[k]]
        if i2 - i1 == 1 and j2 - j1 == 1 and ka[i1] == "confirm" == kb[j1]:
            detail = f"polarity changed: {pa.toks[i1].text} → {pb.toks[j1].text}"
        elif diff > 0:
            detail = "negation removed: " + " ".join(t.text for t in a_words)
        else:
            detail = "negation added: " + " ".join(t.text for t in b_words)
        out.add("negation", _tok_range(pa, i1, i2), _tok_range(pb, j1, j2), detail)
