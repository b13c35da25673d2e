"""Find the parts of a page that are not the story: link lists, prompts, bylines,
captions, and a language model's reply around a pasted rewrite.

They are excluded from alignment and coverage (two copies of one story share
its "Follow us" line; two different stories can share it too) and reported,
so a reader sees what was set aside and why.

Rules work on paragraphs and are deliberately conservative: a line is only
boilerplate when it matches a known shape, and headline detection backs off
when it would swallow a large part of the text (text without punctuation).
The site's notices to its reader (consent and cookie walls, paywalls, bot
checks) are found per sentence, since crawls glue them to the story. A
model's reply ("Here is a rewritten version of the text:") is read at a
text's first and last lines only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from retold.segment import Segmented, normalize_text
from retold.text import URL_LINE_RE
from retold.types import BoilerplateBlock, Sentence, Span

__all__ = [
    "LLM_CHATTER",
    "NOTICE",
    "classify_paragraphs",
    "is_chatter_closing",
    "is_chatter_opening",
    "is_notice",
    "set_notices_aside",
    "without_chatter_opening",
]

_I = re.IGNORECASE

# Section headers that start a block of links to other stories.
_RELATED_HEAD = re.compile(
    r"^(?:related(?:\s+(?:articles?|stories|coverage|content|news|links|reading))?|"
    r"read\s+also|see\s+also|more\s+(?:from|on|stories|news)\b.*|recommended(?:\s+for\s+you)?|"
    r"most\s+(?:read|popular|viewed)|trending(?:\s+now)?|you\s+may\s+also\s+like|"
    r"lee\s+también|te\s+puede\s+interesar|más\s+noticias|noticias\s+relacionadas|"
    r"leia\s+também|à\s+lire\s+aussi|lire\s+aussi|mehr\s+zum\s+thema|leggi\s+anche)\s*:?$",
    _I,
)
# One other story's headline, put inline by the site: "RELATED: ...", "Also
# Read: ...", "[Related: ...]". Pages of one site share them; a copy of the
# story on another site has others.
_RELATED_INLINE = re.compile(
    r"^\[?\s*(?:related(?:\s+(?:story|article|coverage|content|news|reading))?|also\s+read|"
    r"read\s+also|see\s+also|more|watch|listen|must\s+read|don['’]t\s+miss|top\s+stories|"
    r"lee\s+también|lee\s+además|te\s+puede\s+interesar|leia\s+também|à\s+lire\s+aussi|"
    r"lire\s+aussi|lesen\s+sie\s+auch|mehr\s+zum\s+thema|leggi\s+anche)\s*[:|»›>]\s*"
    r"(?P<title>[^\n]{3,200})$",
    _I,
)


def _related_inline(line: str) -> bool:
    """Whether ``line`` is another story's headline put inline (the part after
    the label reads as a headline: prose ending in a full stop is kept)."""
    m = _RELATED_INLINE.match(line) if len(line) <= 240 else None
    if m is None:
        return False
    title = m.group("title").rstrip(_CLOSERS)
    return _is_headline(title) or title.endswith("?")


_READ_MORE = re.compile(
    r"^(?:\.{3}|…)?\s*(?:read|show|see)\s+(?:more|less|full\s+(?:story|article))\b.*$|"
    r"^(?:continue|keep)\s+reading\b.*$|^(?:leer|ver)\s+(?:más|menos)\b.*$|^seguir\s+leyendo\b.*$",
    _I,
)
_COMMENT = re.compile(
    r"^(?:leave|add|post|write)\s+a\s+(?:comment|reply)\b.*$|^\d*\s*comments?$|"
    r"^join\s+the\s+(?:conversation|discussion)\b.*$|^deja\s+(?:un|tu)\s+comentario\b.*$|"
    r"^comentarios?$|^view\s+comments?$",
    _I,
)
_SHARE = re.compile(
    r"^(?:share|tweet|email|print)(?:\s+(?:this|on|via)\b.*)?$|"
    r"^follow\s+(?:us|@\w+|\S+[’']s\s+coverage|our\s+coverage)\b.*$|"
    r"^(?:sign\s+up|subscribe)\b.*$|^click\s+here\b.*$|^(?:síguenos|suscríbete|comparte)\b.*$|"
    r"^(?:copyright|©|\(c\))\s.*$|^all\s+rights\s+reserved\.?$|"
    r"^our\s+standards:\s+the\s+thomson\s+reuters\s+trust\s+principles\.?$",
    _I,
)
# the label a page puts over an advertisement, as a line of its own, in the
# encoder's languages ("Story continues below advertisement": Canadian sites)
_AD_LABEL = re.compile(
    r"^(?:-+\s*)?(?:advertisement|advertising|sponsored(?:\s+content)?|paid\s+content|"
    r"(?:the\s+)?(?:story|article)\s+continues\s+(?:below|after)(?:\s+(?:this|the))?\s+"
    r"(?:advertisement|ad)|anzeige|werbung|publicité|publicidad|publicidade|pubblicità|"
    r"reklama|реклама|广告|إعلان|advertentie|reclame)(?:\s*-+)?\s*[:.]?$",
    _I,
)
_BYLINE = re.compile(
    r"^(?:[Bb]y|[Pp]or|[Dd]e|[Vv]on|[Pp]ar)\s+[A-ZÁÉÍÓÚÑÄÖÜ][\w.’'\-]*(?:\s+[\w.’'\-]+){0,6}"
    r"(?:\s*[,|/]\s*[\w.’'\- ]{2,60})?$"
)
_CONTRIB = re.compile(
    r"(?:contributed(?:\s+\w+)?\s+to\s+this\s+(?:report|story)|contributed\s+reporting|"
    r"reported\s+from\s+[A-Z][\w .’'\-]{1,40}\.?$|^(?:additional\s+)?reporting\s+by\b|"
    r"^\(?(?:reporting|writing|editing)\s+by\b|^editing\s+by\b|"
    r"colaboró\s+con\s+este\s+(?:informe|reportaje)|^con\s+información\s+de\b)",
    _I,
)
# "Updated 3 hours ago", "Last updated: 10:45 AM EST": a page's time stamp
_TIME_ONLY = re.compile(
    r"^(?:last\s+)?(?:updated|published|posted|modified)\s*:?\s*(?:at\s+)?"
    r"(?:\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,5})?|"
    r"\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago|just\s+now|yesterday|today)\.?$",
    _I,
)
# A note naming where the story first ran ("This article originally appeared
# on ..."): not the story's text; a copy that keeps it says where it came from
_SYNDICATION = re.compile(
    r"^(?:this\s+(?:article|story|post|piece)\s+(?:was\s+)?(?:originally|first)\s+"
    r"(?:appeared|published|ran)|(?:originally|first)\s+published)\s+(?:on|in|at|by)\s+"
    r"(?:the\s+)?\w[^,;]{1,80}$",
    _I,
)
# A site's promotion of itself: its app, its newsletter, its social channels
_PROMO = re.compile(
    r"^(?:download|get)\s+(?:the|our)\s+(?:[\w.-]+\s+){0,3}app\b.{0,120}$|"
    r"^get\s+(?:the\s+)?(?:latest|top|breaking)\s+.{0,60}\b(?:delivered|sent|straight)\b"
    r".{0,40}\b(?:inbox|e-?mail|newsletter|phone|app|notifications)\b.{0,40}$",
    _I,
)
_FOLLOW_US = re.compile(
    r"\bfollow\s+(?:us|\S+)\s+on\s+(?:google\s+news|twitter|x|facebook|instagram|"
    r"whatsapp|telegram|threads|bluesky|tiktok|youtube)\b",
    _I,
)


def _promo(line: str) -> bool:
    """Whether ``line`` is the site promoting itself (its app, its newsletter,
    its social channels: searched only in a line that says "follow")."""
    if len(line) > 240:
        return False
    if _PROMO.match(line):
        return True
    if "ollow" not in line and "OLLOW" not in line:
        return False
    m = _FOLLOW_US.search(line)
    return m is not None and m.start() <= 80


_DATE_ONLY = re.compile(
    r"^(?:(?:updated|published|posted|actualizado|publicado)\s*:?\s*)?"
    r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+(?:de\s+)?[A-Za-zé]{3,10}\.?,?\s+(?:de\s+)?\d{4}|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
    r"(?:,?\s+(?:at\s+)?\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?$",
    _I,
)
# A photo's caption, known by its credit: "... in Caracas. (AP Photo/Ariana
# Cubillos)", "(Photo: Darryl Webb, AP)", "Foto: Frank Rumpenhorst/dpa", and
# BBC's "Image caption, ..." lines. Copies of a story share its captions and
# rewrites drop them; neither is the story's text. (19 paragraphs of SemEval's
# crawls, all of them captions; none in the L2R texts.) A crawl can glue a
# caption to the story's paragraph: a paragraph of more than two sentences
# before its credit is kept.
_CAPTION_SENTENCES = 2
_SENTENCE_END = re.compile(r"[.!?][\"”’»]?\s+[A-ZÀ-Ý(]")
_CAPTION = re.compile(
    r"\([^()]{0,60}\b(?:photo|foto|photograph|image)s?\b\s*(?:/|by\b|:|credit)[^()]{0,100}\)\s*$|"
    r"(?:^|[.!?]\s+)(?:photo|foto|bild|photograph)\s*:\s*[^.()\n]{2,60}/[^.()\n]{2,40}$|"
    r"^(?:image|photo|video|picture)\s+(?:caption|source|credit)s?\s*[,:]",
    _I,
)


def _may_be_caption(line: str) -> bool:
    """Whether ``line`` holds a word one of the caption patterns needs: others
    are not searched (the patterns cost 0.4 ms on the AP pair's 79 paragraphs,
    this 0.09 ms; spelled out, since ``any()`` over the words costs 0.3 ms)."""
    low = line.lower()
    return (
        "photo" in low
        or "foto" in low
        or "image" in low
        or "bild" in low
        or "picture" in low
        or "video" in low
    )


# a video player's lines left in the text ("The video will start in 8 Cancel")
_PLAYER = re.compile(
    r"^(?:the\s+)?video\s+will\s+(?:start|play)\s+in\s+\d+(?:\s+seconds?)?(?:\s+cancel)?\.?$|"
    r"^(?:click\s+to\s+)?(?:play|watch)\s+video$",
    _I,
)
_SEPARATOR = re.compile(r"^[\s_*=\-–—~#.·•]{3,}$")
_TERMINAL = ".!?…"
_CLOSERS = "”’\"»)]' "


# A language model's reply around the text it was asked to write: "Sure! Here
# is a rewritten version of the text:" before it, "Let me know if you need any
# changes!" after it. Pasted with the rewrite, it is not the story, and it
# says that a machine wrote what it wraps. Only a text's first and last lines
# are read. On ../shared/data these find 203 openings and 12 closings in the
# L2R rewrites and none in any human text (L2R, news sources, SemEval's eight
# languages, Clough). The Spanish, French, German, Italian and Portuguese
# forms are written from how the models reply in those languages; the data
# has no rewrites in them to count.
#: the reason given for a language model's reply around its rewrite
LLM_CHATTER = "llm-chatter"
_CHATTER_OPEN = re.compile(
    r"""^(?:[¡]?(?:sure(?:\s+thing)?|certainly|absolutely|of\s+course|okay|ok|great|
        claro|por\s+supuesto|bien\s+sûr|certes|natürlich|klar|gerne|certo|certamente|
        ovviamente)\s*[!,.]?\s+)?
    (?:(?P<here>here\s+(?:is|are)|here['’]s|below\s+is|aquí\s+(?:tienes|tiene|está|están|va)|
        a\s+continuación|voici|voilà|hier\s+(?:ist|sind|kommt)|ecco|aqui\s+(?:está|estão|vai)|
        segue)\s[^:\n]{0,160}
      |here\s+you\s+go
      |(?:the\s+)?(?:revised|rewritten|reworded|rephrased|restyled|paraphrased|refined|
          transformed|improved|modified|reformulated)\s+(?:\S+\s+){0,3}?
          (?:passage|text|version|content|reformulation)\b[^:\n]{0,80}
      |key\s+points\s+emphasized|rewrite\s+of\s+the\s+given\s+text
    ):\s*$""",
    _I | re.X,
)
# "Here is ...:" is a reply only when it says what was done to the text: news
# writes "Here is the full text of the statement:" and "Here are key takeaways
# from the debate:" itself
_CHATTER_DONE = re.compile(
    r"""\b(?:version|rewrit|revis|reword|rephras|restyl|restat|paraphras|reformulat|
    refined|transformed|improved|modified|adjusted|friendl|casual|engaging|clear|impactful|
    concise|tone|readab|natural|lively|dynamic|enthusiastic|relatable|approachable|
    conversational|captivating|creative|alternative|simpler|formal|vivid|descriptive|
    rendition|revamp|informative|persuasive|sophisticated|compelling|interesting|
    (?:main|key)\s+(?:points|takeaways)\b[^:\n]{0,30}\b(?:text|passage|bullet)|
    you\s+go|
    versión|versione|versão|reescrit|reformulad|parafrasead|réécrit|reformulé|umgeschrieben|
    überarbeitet|umformuliert|riscritt|riformulat)""",
    _I | re.X,
)
_CHATTER_CLOSE = re.compile(
    r"""^(?:(?:please\s+)?let\s+me\s+know\s+if\b.{0,120}
      |i\s+hope\s+this\s+(?:helps|rewritten|revised|version)\b.{0,160}
      |hope\s+this\s+helps\b.{0,80}
      |(?:if\s+you\s+(?:need|have)\s+any\s+(?:further|more|other)\b.{0,80},\s+)?
        feel\s+free\s+to\s+(?:ask|let\s+me\s+know|reach\s+out)\b.{0,80}
      |[¡]?(?:avísame|dime|házmelo\s+saber)\s+si\b.{0,120}
      |[¡]?espero\s+que\s+(?:te|le|esto|isso|isto)\s+(?:\w+\s+)?(?:sirva|ayude|ajude|guste)\b.{0,80}
      |(?:n['’]hésite[zs]?\s+pas|dites[-\s]moi\s+si|dis[-\s]moi\s+si)\b.{0,120}
      |j['’]espère\s+que\s+(?:cela|ça|cette\s+version)\s+(?:vous\s+|te\s+|t['’])?
        (?:aide|aidera|convient|conviendra|plaît|plaira|sera\s+utile|correspond)\b.{0,120}
      |(?:lass|lassen\s+sie)\s+(?:mich|es\s+mich)\s+wissen\b.{0,120}
      |ich\s+hoffe,?\s+(?:das|dies)\s+hilft\b.{0,80}
      |fammi\s+sapere\s+se\b.{0,120}
      |spero\s+che\s+(?:questo|questa\s+versione|ti)\b.{0,40}\b(?:aiut|piaccia|utile|vada)\w*\b.{0,80}
      |(?:me\s+avise|avise-me|diga-me)\s+se\b.{0,120}
    )$""",
    _I | re.X,
)
#: how far into a text its reply's opening may be: after a title or two
_CHATTER_FIRST = 2


def is_chatter_opening(line: str) -> bool:
    """Whether ``line`` is a language model's opening to a rewrite ("Here is a
    more engaging version of the text:")."""
    line = line.strip()
    if len(line) > 240 or (m := _CHATTER_OPEN.match(line)) is None:
        return False
    return m.group("here") is None or _CHATTER_DONE.search(line) is not None


def is_chatter_closing(line: str) -> bool:
    """Whether ``line`` is a language model's sign-off after a rewrite ("Let me
    know if you need any further changes!")."""
    line = line.strip()
    return len(line) <= 240 and _CHATTER_CLOSE.match(line) is not None


def without_chatter_opening(text: str) -> str:
    """``text`` from after its first line when that line is a language model's
    opening (the words that stand for a headline are the rewrite's, not the
    reply's)."""
    stripped = text.lstrip()
    first, _, rest = stripped.partition("\n")
    return rest if rest.strip() and is_chatter_opening(first) else text


def _is_headline(line: str) -> bool:
    """A short line with no sentence-ending punctuation: a title or subhead."""
    body = line.rstrip(_CLOSERS)
    if not body or body[-1] in _TERMINAL or body[-1] in ",;":
        return False
    words = line.split()
    return 1 <= len(words) <= 20 and len(line) <= 160


def classify_paragraphs(text: str, paragraphs: Sequence[Span]) -> dict[int, str]:
    """Map paragraph index to the reason it is boilerplate; body paragraphs are absent."""
    reasons: dict[int, str] = {}
    lines = [text[s:e].strip() for s, e in paragraphs]
    in_related = False
    for i, line in enumerate(lines):
        explicit = _explicit(line)
        if in_related and explicit is None and _is_headline(line):
            # a related block runs until a line that reads like prose
            reasons[i] = "related-links"
            continue
        in_related = False
        if explicit is not None:
            reasons[i] = explicit
            in_related = explicit == "related-links"

    open_at = [i for i, line in enumerate(lines) if i not in reasons and line]
    if open_at and open_at[0] <= _CHATTER_FIRST and is_chatter_opening(lines[open_at[0]]):
        reasons[open_at[0]] = LLM_CHATTER
    if len(open_at) > 1 and is_chatter_closing(lines[open_at[-1]]):
        reasons[open_at[-1]] = LLM_CHATTER

    # Headlines last, and only if they leave the text mostly intact: prose
    # without punctuation (a transcript, a list) is not a page of headlines.
    heads = [
        i
        for i, line in enumerate(lines)
        # the first line of a page is its title and may run long
        if i not in reasons and _is_headline(line) and _word_count(line) <= (24 if i == 0 else 14)
    ]
    body_chars = sum(len(line) for i, line in enumerate(lines) if i not in reasons)
    head_chars = sum(len(lines[i]) for i in heads)
    if body_chars and head_chars <= 0.35 * body_chars:
        for i in heads:
            reasons[i] = "headline"
    return reasons


def _is_caption(line: str) -> bool:
    caption = _CAPTION.search(line) if len(line) <= 600 and _may_be_caption(line) else None
    return (
        caption is not None
        and len(_SENTENCE_END.findall(line, 0, caption.start())) <= _CAPTION_SENTENCES
    )


#: the known boilerplate shapes of a line, in the order they are tried
_SHAPES: tuple[tuple[Callable[[str], object], str], ...] = (
    (lambda line: _RELATED_HEAD.match(line) or _related_inline(line), "related-links"),
    (_READ_MORE.match, "read-more"),
    (_COMMENT.match, "comment-prompt"),
    (lambda line: len(line) <= 60 and _AD_LABEL.match(line), "ad-label"),
    (lambda line: _SHARE.match(line) or URL_LINE_RE.match(line) or _promo(line), "share-prompt"),
    (lambda line: len(line) <= 240 and _SYNDICATION.match(line), "syndication-note"),
    (_SEPARATOR.match, "separator"),
    (_PLAYER.match, "video-player"),
    (_is_caption, "caption"),
    (lambda line: _DATE_ONLY.match(line) or _TIME_ONLY.match(line), "date-line"),
    (lambda line: len(line) <= 120 and _BYLINE.match(line) and _is_headline(line), "byline"),
    (lambda line: len(line) <= 400 and _CONTRIB.search(line), "contributor-line"),
)


def _explicit(line: str) -> str | None:
    """The reason for a line that matches a known boilerplate shape, else None."""
    return next((reason for test, reason in _SHAPES if test(line)), None)


def _word_count(line: str) -> int:
    return len(line.split())


# The site's own notices to its reader: consent and cookie walls, paywalls,
# bot checks, newsletter sign-ups, "your browser does not support" lines. A
# crawl often keeps them inside the body, glued to the title or the lede, so
# they are found per sentence; two different articles of one site then share
# them word for word, and without this they compare as copies (measured on
# SemEval's crawls: two unrelated German stories under one consent text were
# called a rewrite at 98 %). A sentence is a notice when it names at least two
# kinds of site mechanics (cookies, privacy, consent, subscriptions, log-in,
# browser, bot checks, paywall, ads, "our website") and speaks as the site to
# its reader; a few fixed phrases are notices alone. News about cookies or
# privacy rules does not speak to its reader, so it is kept. The Russian,
# Chinese, Arabic, Portuguese and Dutch words were added last: SemEval's
# Russian and Chinese crawls hold 12 notice sentences they find (all notices,
# nothing else found); no data here has Arabic, Portuguese or Dutch notices,
# so those are written from how sites word them.
#: each kind of site mechanic: the words one of its patterns needs (as
#: substrings of the lowercased sentence: most sentences have none, and the
#: substring tests cost far less than the patterns, 1.5 ms against 15 ms on the
#: AP pair's 100 sentences) and the pattern, read on the lowercased sentence
_NOTICE_KINDS = tuple(
    (tuple(words.split("|")), re.compile(pattern))
    for words, pattern in (
        # cookies
        (
            "cookie|çerez|ciasteczk|куки|كوكيز|تعريف الارتباط",
            # no \b before "cookie": Chinese writes it between its own letters
            r"(?<![a-z])cookies?(?![a-z])|\bcookie-|\bçerez|\bciasteczk|\bкуки\b|كوكيز|"
            r"ملفات تعريف الارتباط",
        ),
        # privacy, personal data, terms
        (
            "priva|datenschutz|confidentialit|riservatezza|prywatnoś|gizlilik|persönlichen|"
            "personal|personnelles|personales|personali|osobowych|kişisel|terms|"
            "nutzungsbedingungen|utilisation|términos|termini|конфиденциальн|персональн|"
            "隐私|个人信息|个人数据|الخصوصية|الشخصية|pessoais|termos|persoonsgegevens|"
            "gebruiksvoorwaarden",
            r"privacy|datenschutz|confidentialit|privacidad|privacidade|riservatezza|prywatnoś|"
            r"gizlilik|persönlichen (?:daten|informationen)|personal (?:data|information)|"
            r"données personnelles|datos personales|dati personali|danych osobowych|"
            r"kişisel veri|terms (?:of (?:service|use)|and conditions)|nutzungsbedingungen|"
            r"conditions d.utilisation|términos y condiciones|termini e condizioni|"
            r"конфиденциальност|персональн\w* данн|隐私|个人信息|个人数据|الخصوصية|"
            r"البيانات الشخصية|dados pessoais|termos de (?:uso|serviço)|persoonsgegevens|"
            r"gebruiksvoorwaarden",
        ),
        # consent
        (
            "consen|accept|akzeptier|zustimm|einwillig|acepta|accett|zgod|akceptuj|kabul et|"
            "izin ver|соглас|соглаш|принять|同意|接受|أوافق|موافقتك|aceit|akkoord|toestemming",
            r"\bconsent|\baccept(?:ing)? (?:all )?cookies|\baccept and close|\bi accept\b|"
            r"akzeptier|zustimm|einwillig|consentement|consentimiento|"
            r"\bacepta(?:r|s)? (?:las )?cookies|aceptar y cerrar|\bconsenso|"
            r"\baccetta(?:re)? (?:i )?cookie|"
            r"accetta e chiudi|\bzgod[aęy]\b|zaakceptuj|\bakceptuj|kabul et|izin ver|"
            # (Chinese "agree", Arabic "agree" and Russian "consent" are news
            # words too: only with what is agreed to, or as a button says it)
            r"\bсогласие на (?:обработку|использование)|\bсоглаша[а-я]*сь|\bсогласен|"
            r"\bпринять (?:все )?(?:файлы )?cookie|(?:同意|接受).{0,6}(?:cookie|隐私|条款)|"
            r"أوافق|موافقتك|\baceit(?:o|ar)\b|consentimento|\bakkoord\b|toestemming",
        ),
        # subscriptions and newsletters
        (
            "subscri|sign up|newsletter|alerts|abonn|suscri|assin|abbona|iscriviti|subskryp|"
            "prenumer|abone|bülten|подпис|подпиш|рассылк|订阅|اشترك|الاشتراك|النشرة|nieuwsbrief",
            r"subscri|\bsign up\b|newsletter|e-?mail alerts|\babonn|suscri|\bassin[ae]|"
            r"\babbona|iscriviti|subskryp|prenumer|\babone\b|bülten|"
            # not Russian "подписал(и)": signed (an agreement)
            r"\bподписк|\bподпиш|\bподписаться|\bрассылк|订阅|اشترك|الاشتراك|النشرة البريدية|"
            r"النشرة الإخبارية|nieuwsbrief",
        ),
        # log-in
        (
            "log|sign in|anmelden|registrier|connectez|iniciar sesión|accedi|zaloguj|"
            "giriş yap|üye ol|войти|войдите|зарегистр|учетн|登录|注册|تسجيل الدخول|entrar|cadastr|"
            "inloggen|registreer",
            r"\blog ?in\b|\bsign in\b|anmelden|\bregistrier|\bconnectez|iniciar sesión|"
            r"\baccedi\b|zaloguj|giriş yap|üye ol|\bвойти\b|\bвойдите\b|\bзарегистрир|"
            r"учетн\w* запис|登录|注册|تسجيل الدخول|faça login|\bentrar na sua conta|\bcadastr|"
            r"\binloggen\b|\bregistreer",
        ),
        # the browser and its scripts
        (
            "javascript|browser|navigateur|navegador|przeglądar|tarayıcı|html5|blocker|captcha|"
            "браузер|浏览器|المتصفح|جافا سكريبت",
            r"javascript|\bbrowser|navigateur|navegador|przeglądar|tarayıcı|\bhtml5\b|"
            r"ad ?-?blocker|werbeblocker|captcha|\bбраузер|浏览器|المتصفح|جافا سكريبت",
        ),
        # bot checks
        (
            "robot|ip address|adres ip|ip-adresse|adresse ip|dirección ip|indirizzo ip|ip adres|"
            "робот|ip-адрес|机器人|روبوت|robô|ip-adres|endereço ip",
            r"not a robot|kein roboter|pas un robot|no soy un robot|non sono un robot|"
            r"nie jestem robotem|robot değilim|your ip address|twój adres ip|ihre ip-adresse|"
            r"votre adresse ip|tu dirección ip|il tuo indirizzo ip|ip adresiniz|не робот|"
            r"ваш ip-адрес|不是机器人|لست روبوت|não sou um robô|geen robot|uw ip-adres|"
            r"seu endereço ip",
        ),
        # the wait a bot check asks for ("This process is automatic. Please
        # allow up to 5 seconds..."), as Cloudflare words it in its languages
        (
            "automatic|automatisch|automatique|automático|automatico|seconds|sekunden|"
            "secondes|segundos|secondi",
            r"\bthis process is automatic\b|\bdieser vorgang (?:erfolgt|ist) automatisch|"
            r"\bce processus est automatique\b|\beste proceso es automático\b|"
            r"\bquesto processo è automatico\b|\bplease (?:allow|wait) up to \d+ seconds\b|"
            r"\bbis zu \d+ sekunden\b|\bjusqu.à \d+ secondes\b|\bhasta \d+ segundos\b|"
            r"\bfino a \d+ secondi\b",
        ),
        # paywalls
        (
            "free|unlimited|reached|kostenlose|gratuit|ilimitado|illimitato|бесплатн|"
            "неограниченн|免费|无限|غير محدود|gratis|onbeperkt",
            r"free (?:articles?|access)|unlimited access|"
            r"reached (?:the|your) (?:limit|maximum)|kostenlose[n]? artikel|"
            r"articles? gratuits?|acceso ilimitado|accesso illimitato|бесплатн\w* стат|"
            r"неограниченн\w* доступ|免费文章|无限(?:制地)?访问|وصول غير محدود|acesso ilimitado|"
            r"artigos gratuitos|gratis artikel|onbeperkt(?:e)? toegang",
        ),
        # advertising
        (
            "advertis|werbung|publicit|publicidad|pubblicit|reklam|реклам|广告|إعلان|"
            "advertentie|reclame",
            r"\badvertis|\bwerbung\b|\bpublicit|\bpublicidad|\bpubblicit|\breklam|\bреклам|"
            r"广告|إعلان|\badvertentie|\breclame",
        ),
        # the site naming itself
        (
            "site|page|seite|sitio|web|sito|stron|witryn|сайт|网站|本站|موقع",
            r"\b(?:our|this) (?:web ?site|site|page)s?\b|"
            r"\bunsere[mnrs]? (?:web ?seite|website)|\bnotre site|\bce site\b|"
            r"\bnuestr[oa] (?:sitio|web|página)|\beste sitio\b|\bnostro sito|\bquesto sito|"
            r"\bnaszej (?:stron|witryn)|\bwitryn|\bsitemiz|\b(?:наш|нашем|этот|этом|"
            r"нашего|этого) сайт|本网站|我们的网站|本站|موقعنا|هذا الموقع|\b(?:nosso|neste|este) "
            r"site\b|\b(?:onze|deze) (?:web)?site\b",
        ),
    )
)
# the site speaking, or speaking to its reader (German's polite "Sie" only as
# capitalised, so this one reads the sentence as written; Polish and Turkish
# say it in the verb: "zbieramy", "faydalanıyoruz")
_NOTICE_VOICE = re.compile(
    r"\b(?:(?i:you|your|we|our|us)|Sie|Ihr\w*|Ihnen|(?i:wir|unser\w*|vous|votre|vos|nous|"
    r"notre|nos|usted|tu|tus|su|sus|nosotros|nuestr\w*|voi|vostr\w*|noi|nostr\w*|il tuo|"
    r"la tua|państw[oa]|twój|twoje|twoja|nasz\w*|siz\w*|klikając|kullanarak|indem sie|"
    # (not Portuguese "seu", "sua": Italian's and Portuguese's "his", "her" too)
    r"вы|вас|вам|ваш\w*|мы|нас|нам|наш\w*|você|vocês|nós|noss[oa]s?|"
    r"uw|jij|je|jouw|wij|ons|onze))\b|您|你|我们|نحن|يمكنك|لديك|نستخدم|موقعنا|"
    r"\B(?:amy|emy|imy|ymy|[ıiuü]yoruz)\b|\B(?:ımız|imiz|umuz|ümüz)"
)
_NOTICE_ALONE = re.compile(
    r"not a robot|kein roboter|pas un robot|no soy un robot|non sono un robot|"
    r"nie jestem robotem|robot değilim|enable javascript|javascript (?:is )?(?:disabled|"
    r"required)|abilita javascript|aktivieren sie javascript|activez javascript|"
    r"browser (?:does not|doesn.t) support|browser non supporta|browser unterstützt .{0,40}nicht|"
    r"this advertisement has not loaded|thank you for subscribing|could not subscribe|"
    r"see our privacy (?:notice|policy)|sign up to free .{0,40}alerts|"
    r"reached the limit for free|я не робот|включите javascript|我不是机器人|"
    r"启用\s?javascript|não sou um robô|ik ben geen robot|"
    # bot checks as their vendors word them (Cloudflare, Akamai, DataDome,
    # PerimeterX): the page asks its reader, news reports it in the third person
    r"\bare you a (?:robot|human)\b|\b(?:verify|verifying|confirm|prove) (?:that )?you are "
    r"(?:a )?human\b|\byou are a human \(and not a bot\)|security of your connection|"
    r"\bcomplete the security check\b|\bwhy have i been blocked\b|\byour browser will redirect\b|"
    r"\bddos protection by\b|\bperformance (?:&|and) security by\b|"
    r"\busing a security service to protect itself\b|\bchecking your browser before\b|"
    r"\bbist du ein (?:mensch|roboter)\b|\bdass sie ein mensch sind\b|"
    r"\bêtes-vous un (?:robot|humain)\b|\bque vous êtes (?:un )?humain\b|"
    r"\beres un (?:robot|humano)\b|\bque eres (?:un )?humano\b|\bsei un robot\b|"
    r"\bche sei (?:un )?umano\b|sicherheit ihrer verbindung|"
    r"\bihr browser wird .{0,40}(?:weiter|um)geleitet|sécurité de votre connexion|"
    r"\bvotre navigateur (?:sera|va être) redirigé|seguridad de (?:su|tu) conexión|"
    r"\b(?:su|tu) navegador (?:será redirigido|se redirigirá)|"
    r"sicurezza della (?:tua|sua) connessione|\bil (?:tuo|suo) browser verrà reindirizzato"
)
# sign-up, log-in and paywall prompts that name one mechanic only, in words
# news does not use of itself (apart from _NOTICE_ALONE, behind words of their
# own: one pattern with both sets of phrases cost every sentence with "free"
# in it twice the time)
_PROMPTS = re.compile(
    r"\bsign up (?:here|now|for free)\b|\bfree sign up\b|"
    r"\b(?:sign up|subscribe) (?:to|for) (?:our|the) (?:[\w\-]+ )?newsletters?\b|"
    r"\bstraight to your inbox|\bnever miss our top stories|\bissue signing you up|"
    r"\balready a (?:member|subscriber)\W+(?:please )?(?:sign|log) ?in\b|"
    r"\bregistered users can read\b|\b(?:access|read|unlock) (?:to )?the rest of this article\b|"
    r"\b(?:e-?mail|email address) or username\b|\bich bin bereits abonnent|"
    r"\bdéjà abonné|\bya soy suscriptor|\bsei già abbonato"
)
#: the words _PROMPTS needs, as _NOTICE_KINDS' words
_PROMPT_WORDS = (
    "sign up",
    "subscribe",
    "inbox",
    "never miss",
    "signing you",
    "already a member",
    "already a subscriber",
    "registered users",
    "rest of this article",
    "username",
    "abonn",
    "abbonat",
    "suscriptor",
)
#: a sentence longer than this is mostly the article's own text even when it
#: carries a notice (a crawl that glued the title, a notice and the lede)
_NOTICE_CHARS = 600
#: share of a paragraph's characters in notices that makes it all notice
_NOTICE_PARAGRAPH = 0.75


_IP_ADDRESS = re.compile(
    r"\bip[- ]?(?:address|adresse)|adres(?:u|ie)? ip\b|adresse ip\b|dirección ip\b|"
    r"indirizzo ip\b"
)
#: the words _NOTICE_ALONE and _IP_ADDRESS need, as _NOTICE_KINDS' words
_ALONE_WORDS = (
    "robot",
    "human",
    "humain",
    "humano",
    "umano",
    "mensch",
    "security",
    "blocked",
    "ddos",
    "sicherheit",
    "sécurité",
    "seguridad",
    "sicurezza",
    "navigateur",
    "navegador",
    "javascript",
    "browser",
    "advertisement",
    "subscri",
    "privacy",
    "alerts",
    "free",
    "робот",
    "机器人",
    "robô",
)
_IP_WORDS = ("address", "adres", "dirección", "indirizzo")


def _has(low: str, words: tuple[str, ...]) -> bool:
    return any(w in low for w in words)


def _near_notice(sentence: str) -> bool:
    """Whether a sentence next to a notice is part of it: it names one mechanic."""
    if len(sentence) > _NOTICE_CHARS:
        return False
    low = sentence.lower()
    if _has(low, _IP_WORDS) and _IP_ADDRESS.search(low):
        return True
    return any(_has(low, words) and k.search(low) for words, k in _NOTICE_KINDS)


def is_notice(sentence: str) -> bool:
    """Whether a sentence is the site's notice to its reader (consent, cookies,
    paywall, bot check, sign-up), not the story."""
    if len(sentence) > _NOTICE_CHARS:
        return False
    low = sentence.lower()
    if _has(low, _ALONE_WORDS) and _NOTICE_ALONE.search(low):
        return True
    if _has(low, _PROMPT_WORDS) and _PROMPTS.search(low):
        return True
    maybe = [k for words, k in _NOTICE_KINDS if _has(low, words)]
    if len(maybe) < 2:
        return False
    kinds = sum(1 for k in maybe if k.search(low))
    return kinds >= 2 and _NOTICE_VOICE.search(sentence) is not None


#: the reason given for a site's notice
NOTICE = "site-notice"


#: publishers' newsletter widgets that crawls keep inside the sentence of the
#: title and the lede, with no full stop around them (Reach plc's sites: the
#: Mirror, the Daily Star, the regional "Live" sites, five SemEval texts; the
#: Times of Israel's and the Jewish Chronicle's edition by email, two). The
#: sentence is cut at the widget's edges, so the title and the lede stay.
_WIDGET = re.compile(
    r"Sign up to (?:FREE )?(?:daily )?email alerts from .{1,200}? Invalid Email|"
    r"Get [^.!?]{1,80}? Edition by email and never miss our top stories Free Sign Up"
)
#: words every widget holds (a text without them has none)
_WIDGET_WORDS = ("Invalid Email", "Free Sign Up")


def _cut_widgets(seg: Segmented) -> tuple[Segmented, set[int]]:
    """``seg`` with each body sentence that holds a :data:`_WIDGET` cut in up to
    three (before, widget, after), and the new indices of the widgets."""
    text = seg.text
    if not any(w in text for w in _WIDGET_WORDS):
        return seg, set()
    out: list[Sentence] = []
    widgets: set[int] = set()
    for s in seg.sentences:
        m = _WIDGET.search(text, s.start, s.end) if s.boilerplate is None else None
        pieces = [(s.start, s.end, False)]
        if m:
            cut = (s.start, m.start(), False), (m.start(), m.end(), True), (m.end(), s.end, False)
            pieces = list(cut)
        for a, b, widget in pieces:
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if a == b:
                continue
            if widget:
                widgets.add(len(out))
            out.append(replace(s, index=len(out), start=a, end=b, text=normalize_text(text[a:b])))
    return replace(seg, sentences=tuple(out)), widgets


def set_notices_aside(seg: Segmented) -> tuple[Segmented, tuple[BoilerplateBlock, ...]]:
    """``seg`` with the body sentences that are site notices (:func:`is_notice`)
    set aside, and one block per run of them."""
    seg, widgets = _cut_widgets(seg)
    text, body = seg.text, [s for s in seg.sentences if s.boilerplate is None]
    found = widgets | {s.index for s in body if is_notice(text[s.start : s.end])}
    if not found:
        return seg, ()
    # A notice runs over several sentences, some of which name one mechanic
    # only ("... in our privacy policy.", "Your IP address: ..."): they go
    # with the run they are next to.
    # And a paragraph that is mostly notice is all notice: what is left of it
    # is a notice's stray clause, which two pages of one site share.
    by_index = {s.index: s for s in body}
    todo = sorted(found)
    while todo:
        i = todo.pop()
        for j in (i - 1, i + 1):
            n = by_index.get(j)
            if n is not None and j not in found and _near_notice(text[n.start : n.end]):
                found.add(j)
                todo.append(j)
    chars: dict[int, list[int]] = {}
    for s in body:
        c = chars.setdefault(s.paragraph, [0, 0])
        c[0] += s.end - s.start
        c[1] += (s.end - s.start) if s.index in found else 0
    mostly = {p for p, (total, notice) in chars.items() if notice >= _NOTICE_PARAGRAPH * total}
    found |= {s.index for s in body if s.paragraph in mostly}
    sents = tuple(replace(s, boilerplate=NOTICE) if s.index in found else s for s in seg.sentences)
    blocks: list[BoilerplateBlock] = []
    for i in sorted(found):
        s = sents[i]
        if blocks and i - 1 in found:
            blocks[-1] = replace(blocks[-1], end=s.end)
        else:
            blocks.append(BoilerplateBlock(s.start, s.end, NOTICE))
    return replace(seg, sentences=sents), tuple(blocks)
