"""Text helpers every stage shares: folding, word tokens, stop words, URL and HTML shapes.

One definition of each, so that two stages never disagree on what a word is:
the aligner's features (:func:`tokens`) and the changes stage's tokens both fold
with :func:`fold`, and both weigh content against :data:`STOP_WORDS`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "HTML_START_RE",
    "HTML_TAG_RE",
    "STOP_WORDS",
    "URL_LINE_RE",
    "URL_SCHEME_RE",
    "fold",
    "folded_words",
    "tokens",
]

#: the combining marks folding drops: accents (Latin, Greek, Cyrillic),
#: Arabic harakat and hamza, Hebrew points. Marks that make another letter
#: (Japanese voicing, "か" and "が"; Thai and Indic vowel signs) are kept:
#: dropping them would make two words one.
_DIACRITICS = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})


@lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """The form words are compared in: casefolded, apostrophes unified, accents dropped
    ("Rodríguez" and "rodriguez", "don’t" and "don't", "Straße" and "strasse");
    compatibility forms are unified too (full-width "Ａ" is "a")."""
    w = word.casefold().translate(_APOSTROPHES)
    if not w.isascii():
        w = _DIACRITICS.sub("", unicodedata.normalize("NFKD", w))
        if not w.isascii():
            # the marks that are kept (kana voicing, Thai vowels) join their
            # letter again, so "が" stays "が" however it was typed
            w = unicodedata.normalize("NFC", w)
        # NFKD can make a capital of a letter casefold leaves alone (the
        # mathematical bold "𝚨" becomes a Greek "Α"), or an apostrophe of a
        # sign (the fullwidth "｀"): fold those too
        w = w.casefold().translate(_APOSTROPHES)
    return w


def folded_words(*groups: str) -> frozenset[str]:
    """The folded words of space-separated word lists."""
    return frozenset(fold(w) for g in groups for w in g.split())


#: Chinese characters, Japanese kana and CJK compatibility ideographs: these
#: scripts write no spaces, so a run of them is a clause, not a word
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# numbers keep their separators ("2,000.5" is one token); each CJK character
# is a token, as character-level diffs of those scripts count edits
_TOKEN_RE = re.compile(rf"\d+(?:[.,]\d+)*|[{CJK}]|[^\W{CJK}]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Folded word tokens of a text (numbers keep their separators, a CJK
    character is a token of its own)."""
    return [fold(t) for t in _TOKEN_RE.findall(text)]


#: function words of the languages we know (en, es, pt, fr, de, it), folded: they carry no
#: evidence that two passages share content, and a capital on one says nothing of a name
STOP_WORDS = folded_words(
    "a an the and or but nor of to in on at by for with from as into onto about after before "
    "is are was were be been being am do does did has have had will would shall should can "
    "could may might must it its this that these those he she they we you i me him her them "
    "us our their his my your who whom whose which what when where why how there here than "
    "then so if not no also just only very more most such all any both each few other own "
    "same some up out over said say says",
    "el la lo los las un una unos unas y e o u ni de del al a en por para con sin sobre entre "
    "que se su sus es son fue fueron ser era han ha he le les me te nos os mi tu este esta "
    "estos estas ese esa esos esas eso esto ello como mas pero muy ya aunque cuando donde "
    "había si",
    "o os as um uma uns umas do da dos das no na nos nas em com sem por pela pelo e ou que "
    "ao aos foi não seu sua",
    "le la les un une des du au aux et ou en dans sur pour par avec sans qui il elle ils elles "
    "ce cette est pas plus sont",
    "der die das den dem des ein eine einen einer und oder zu von mit im am ist sind war auf "
    "für nicht sich",
    "il lo gli le uno una di da dei delle nel nella con per che non è sono",
)

#: a web address with its scheme at the start of a string ("https://", "ftp://")
URL_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
#: a line that is nothing but a web address
URL_LINE_RE = re.compile(r"^(?:https?://|www\.)\S+$", re.I)

#: the start of an HTML document: optional XML declaration and comments, then a doctype or <html>
HTML_START_RE = re.compile(
    r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype|html)\b", re.I | re.S
)
#: a tag that only HTML has (a fragment without a doctype)
HTML_TAG_RE = re.compile(r"<(?:html|head|body|p|article|main|div|h[1-6])\b[^<>]*>", re.I)
