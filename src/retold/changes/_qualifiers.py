"""What a figure's qualifier claims ("more than", "about", "up to"), in the
languages read: the phrase before it ("more than 60", "circa il 20%",
"intorno all'1:20", "超过60") and, in Chinese and Japanese, the word after it
("60多人", "3000左右")."""

from __future__ import annotations

import re

from retold.text import CJK, fold

_CJK_CHAR = re.compile(f"[{CJK}]")

#: a qualifier's closing preposition as it contracts with the article before a
#: figure ("meno di" -> "meno del 10%", "intorno a" -> "intorno all'1:20",
#: "alrededor de" -> "alrededor del 5 por ciento", "mais de" -> "mais do")
_CONTRACTIONS = {
    "di": "del dello della dei degli delle dell' dell’",
    "a": "al allo alla ai agli alle all' all’",
    "de": "del do da dos das du des",
}
#: the definite articles Romance languages put before a percentage ("circa il
#: 20%", "casi el 40 %", "oltre l'80%")
_ARTICLES = "il lo la gli el los las les l' l’"


def _contracted(phrase: str) -> list[str]:
    """``phrase`` and its forms with the article a figure takes after it."""
    *head, last = phrase.split()
    if head and last in _CONTRACTIONS:
        return [phrase, *(" ".join([*head, c]) for c in _CONTRACTIONS[last].split())]
    if " " in phrase or len(phrase) > 3:  # "circa", "quasi", "oltre", "al menos"
        return [phrase, *(f"{phrase} {art}" for art in _ARTICLES.split())]
    return [phrase]


# qualifier phrases → what they claim about the number; phrases in one class say the same
_QUALIFIERS: dict[str, str] = {}
_QUAL_SURFACES: set[str] = set()
for _cls, _phrases in {
    "more than": "more than|over|upwards of|in excess of|above|just over|well over|"
    "slightly more than|greater than|larger than|bigger than|higher than|"
    "más de|poco más de|mais de|plus de|mehr als|über|più di|oltre",
    "at least": "at least|no fewer than|no less than|a minimum of|al menos|por lo menos|"
    "como mínimo|pelo menos|au moins|mindestens|almeno|come minimo",
    "about": "about|around|approximately|approx.|roughly|some|an estimated|estimated|circa|"
    "alrededor de|aproximadamente|unos|unas|cerca de|en torno a|environ|autour de|etwa|rund|"
    "ungefähr|intorno a|più o meno",
    "nearly": "nearly|almost|close to|just under|casi|prácticamente|quase|presque|près de|"
    "beinahe|quasi",
    "less than": "less than|fewer than|under|below|smaller than|lower than|"
    "menos de|moins de|weniger als|meno di",
    "up to": "up to|as many as|as much as|at most|no more than|hasta|como máximo|até|jusqu'à|"
    "bis zu|fino a",
}.items():
    for _p in _phrases.split("|"):
        for _v in _contracted(_p):
            _QUAL_SURFACES.add(_v)
            _QUALIFIERS[fold(_v)] = _cls
#: Chinese and Japanese qualifiers: before the figure, written against it
#: ("超过60", "约3000"), and after it ("60多人", "3000左右", "60以上"); "多"
#: and "余" come between the figure and its scale or unit ("60多万")
_CJK_QUALIFIERS = {
    **dict.fromkeys(("超过", "超過", "逾", "超", "多于", "多於", "多", "余", "餘"), "more than"),
    **dict.fromkeys(("约", "約", "大约", "大約", "左右", "前后", "前後", "程度"), "about"),
    **dict.fromkeys(("近", "将近", "將近", "接近", "近く"), "nearly"),
    **dict.fromkeys(("至少", "最少", "不少于", "不少於", "少なくとも", "以上"), "at least"),
    **dict.fromkeys(("不到", "不足", "少于", "少於", "未满", "未滿", "未満"), "less than"),
    **dict.fromkeys(("多达", "多達", "最多", "高达", "高達", "最大", "以下"), "up to"),
}
#: the ones written after the figure's scale or unit, and between it and them
_CJK_AFTER = ("左右", "前后", "前後", "程度", "以上", "以下", "近く")
_CJK_MORE = "多余餘"
_CJK_QUAL_BEFORE_RE = re.compile(
    "(?:"
    + "|".join(
        sorted(
            (q for q in _CJK_QUALIFIERS if q not in _CJK_AFTER and q not in _CJK_MORE),
            key=len,
            reverse=True,
        )
    )
    + r")\s?$"
)
_CJK_QUAL_AFTER_RE = re.compile(r"\s?(?:" + "|".join(_CJK_AFTER) + ")")
_CJK_MORE_RE = re.compile(f"\\s?[{_CJK_MORE}](?=[{CJK}])")

_QUAL_LAST_WORDS = frozenset(fold(p.split()[-1]) for p in _QUAL_SURFACES)
_QUAL_MAX_WORDS = max(len(p.split()) for p in _QUAL_SURFACES)
_WORD_RE = re.compile(r"\S+")
_OPENING_PUNCT = "\"“”‘’'«»¿¡([{—–-"


def _qualifier(text: str, s: int) -> tuple[str | None, str, int]:
    # machine translation puts a space between ("超过 60 小时")
    if s > 0 and _CJK_CHAR.match(text[s - 2 if text[s - 1] == " " and s > 1 else s - 1]):
        cm = _CJK_QUAL_BEFORE_RE.search(text, max(0, s - 5), s)
        if cm is None:
            return None, "", s
        q = cm.group().strip()
        return _CJK_QUALIFIERS[q], q, cm.start()
    # a space before the figure, or an elided article against it ("all'1:20", "l'80%")
    if s == 0 or not (text[s - 1].isspace() or text[s - 1] in "'’"):
        return None, "", s
    # the phrases of up to _QUAL_MAX_WORDS words that end there, longest first,
    # looked up: a regex of all the phrases, tried at each of the 40 characters
    # before every figure, cost 8x more once the Romance articles were added
    lo = max(0, s - 40)
    words = [(m.start(), m.group()) for m in _WORD_RE.finditer(text, lo, s)]
    if lo > 0 and words and words[0][0] == lo and not text[lo - 1].isspace():
        words = words[1:]  # cut in two by the window
    if not words or fold(words[-1][1].lstrip(_OPENING_PUNCT)) not in _QUAL_LAST_WORDS:
        return None, "", s
    for k in range(min(_QUAL_MAX_WORDS, len(words)), 0, -1):
        start, first = words[-k]
        lead = len(first) - len(first.lstrip(_OPENING_PUNCT))
        phrase = " ".join([first[lead:], *(w for _, w in words[len(words) - k + 1 :])])
        cls = _QUALIFIERS.get(fold(phrase))
        if cls is not None:
            return cls, phrase.lower(), start + lead
    return None, "", s
