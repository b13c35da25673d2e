"""Boilerplate: link lists, prompts, bylines, headlines and the site's notices to
its reader are set aside with a reason."""

from __future__ import annotations

import json

import pytest

import retold
from conftest import shared_path
from retold.boilerplate import (
    LLM_CHATTER,
    classify_paragraphs,
    is_chatter_closing,
    is_chatter_opening,
    is_notice,
    set_notices_aside,
    without_chatter_opening,
)
from retold.segment import paragraph_spans, segment


def reasons(text: str) -> dict[str, str]:
    paras = paragraph_spans(text)
    found = classify_paragraphs(text, paras)
    return {text[paras[i][0] : paras[i][1]]: r for i, r in found.items()}


PAGE = """Storm floods the valley
By ANNA LUND, Example Wire
March 3, 2026
The river rose two meters overnight and flooded the lower town, officials said on Friday.
Related Articles
Ferry strike ends after two weeks
New bridge opens in the north
Rescue teams worked through the night to reach stranded drivers, the mayor said.
Reporter Ola Berg contributed to this report.
Follow us on social media for updates.
...read more
Leave a Comment
___
"""


def test_each_kind_is_found_with_its_reason() -> None:
    r = reasons(PAGE)
    assert r["Storm floods the valley"] == "headline"
    assert r["By ANNA LUND, Example Wire"] == "byline"
    assert r["March 3, 2026"] == "date-line"
    assert r["Related Articles"] == "related-links"
    assert r["Ferry strike ends after two weeks"] == "related-links"
    assert r["New bridge opens in the north"] == "related-links"
    assert r["Reporter Ola Berg contributed to this report."] == "contributor-line"
    assert r["Follow us on social media for updates."] == "share-prompt"
    assert r["...read more"] == "read-more"
    assert r["Leave a Comment"] == "comment-prompt"
    assert r["___"] == "separator"


def test_body_paragraphs_are_kept() -> None:
    r = reasons(PAGE)
    assert (
        "The river rose two meters overnight and flooded the lower town, officials said on Friday."
        not in r
    )
    assert (
        "Rescue teams worked through the night to reach stranded drivers, the mayor said." not in r
    )


CAPTIONS = [
    "FILE - Relatives wait outside the prison in the capital, Jan. 9, 2026. "
    "(Example Photo/Ana Ruiz, File)",
    "Image caption, The prison lies an hour's drive from the capital, officials said.",
    "Der Minister am Freitag in der Hauptstadt. Foto: Lena Berg/dpa",
    "Rescue workers on the flooded road on Friday. (Photo: Ola Berg, Example Wire)",
]
NOT_CAPTIONS = [
    "The photo (above) shows the prison.",
    "Critics said the photo op (a visit by the minister) was staged.",
    # a caption glued to the story's paragraph: the story is kept with it
    "The river rose two meters overnight. Officials closed the bridge. Rescue teams "
    "reached stranded drivers. Schools stay shut on Monday. Drivers on the flooded "
    "road (Photo: Ola Berg, Example Wire)",
]


@pytest.mark.parametrize("line", CAPTIONS)
def test_photo_captions_are_set_aside(line: str) -> None:
    assert reasons(f"{line}\n\nThe story itself, told in a sentence of its own.") == {
        line: "caption"
    }


@pytest.mark.parametrize("line", NOT_CAPTIONS)
def test_story_paragraphs_naming_photos_are_kept(line: str) -> None:
    assert reasons(f"{line}\n\nThe story itself, told in a sentence of its own.") == {}


SITE_LINES = {
    "RELATED: Ferry strike ends after two weeks": "related-links",
    "Also Read: New bridge opens in the north": "related-links",
    "[Related: What the flood means for farmers]": "related-links",
    "READ ALSO: Will the dam hold?": "related-links",
    "Download the Example News app for the latest updates.": "share-prompt",
    "Get the latest news delivered straight to your inbox.": "share-prompt",
    "Like our Facebook page, follow us on Twitter and Instagram": "share-prompt",
    "This article originally appeared on Example News.": "syndication-note",
    "This story was first published by The Example Wire.": "syndication-note",
    "Advertisement": "ad-label",
    "ADVERTISEMENT": "ad-label",
    "Story continues below advertisement": "ad-label",
    "Anzeige": "ad-label",
    "- Anzeige -": "ad-label",
    "Publicidad": "ad-label",
    "Pubblicità": "ad-label",
    "Реклама": "ad-label",
    "Last updated: 10:45 AM EST": "date-line",
    "Updated 3 hours ago": "date-line",
}
# prose that starts the way those lines do
NOT_SITE_LINES = [
    "More than 2,000 people were detained: the opposition says most are still held.",
    "Watch: a key word in the minister's speech, analysts said.",
    "Related: the decision came after weeks of talks between the two governments.",
    "Get the latest figures from the ministry, he told reporters, delivered weekly.",
    "Originally published in 1998, the report was updated this year.",
    "Updated figures are due on Monday.",
    "Advertising revenue fell by a third.",
    "Anzeige erstattet: Die Polizei ermittelt gegen den Fahrer.",
]


@pytest.mark.parametrize(("line", "reason"), SITE_LINES.items())
def test_a_sites_own_lines_are_set_aside(line: str, reason: str) -> None:
    assert reasons(f"{line}\n\nThe story itself, told in a sentence of its own.") == {line: reason}


@pytest.mark.parametrize("line", NOT_SITE_LINES)
def test_prose_that_starts_like_a_sites_line_is_kept(line: str) -> None:
    assert reasons(f"{line}\n\nThe story itself, told in a sentence of its own.") == {}


def test_unpunctuated_text_is_not_swallowed_as_headlines() -> None:
    text = "\n".join(f"line {i} of a poem without any punctuation at all" for i in range(10))
    assert reasons(text) == {}


def test_spanish_prompts() -> None:
    text = "El río se desbordó durante la noche, dijeron las autoridades.\nLee también\nOtra noticia aquí\nDeja un comentario"
    r = reasons(text)
    assert r["Lee también"] == "related-links"
    assert r["Deja un comentario"] == "comment-prompt"


def test_ap_example_boilerplate(ap_pair: tuple[str, str]) -> None:
    ap, rewrite = ap_pair
    r = reasons(ap)
    assert r["Related Articles"] == "related-links"
    assert sum(1 for v in r.values() if v == "related-links") >= 6
    assert any(v == "byline" for v in r.values())
    assert any(v == "contributor-line" for v in r.values())
    assert any(v == "read-more" for v in r.values())
    r2 = reasons(rewrite)
    assert r2["Leave a Comment"] == "comment-prompt"
    assert any(v == "contributor-line" for v in r2.values())


# --- the site's notices to its reader, found per sentence ----------------------

NOTICES = [
    "We use cookies to give you the best experience on our website.",
    "By continuing to browse this site you agree to our use of cookies.",
    "Please enable JavaScript in your browser to watch this video.",
    "You have reached the limit for free access to our reporting.",
    'To keep reading, please confirm "I am not a robot".',
    "Wir verwenden auf unserer Webseite Cookies, um Ihnen das beste Erlebnis zu bieten.",
    "Weitere Informationen zu Cookies finden Sie in unserer Datenschutzerklärung.",
    'Jeśli chcesz kontynuować, zaznacz "Nie jestem robotem".',
    "Sitemizde size daha iyi hizmet sunmak için çerezler kullanıyoruz.",
    "Il tuo browser non supporta l'elemento video.",
    "Utilizamos cookies en nuestro sitio web; al continuar, acepta las cookies.",
    "Мы используем файлы cookie, чтобы сделать наш сайт удобнее для вас.",
    "Чтобы продолжить чтение, войдите в вашу учетную запись или оформите подписку.",
    "我们使用cookie来改善您在本网站上的体验。",
    "点击注册，即表示您同意我们的隐私政策。",
    "نستخدم ملفات تعريف الارتباط لتحسين تجربتك على موقعنا.",
    "Utilizamos cookies para melhorar a sua experiência no nosso site.",
    "Wij gebruiken cookies om onze website voor u te verbeteren; lees ons privacybeleid.",
    "Bevestig dat u geen robot bent: ik ben geen robot.",
    # bot checks as their vendors word them
    "Are you a robot?",
    "Please confirm you are a human by completing the captcha below.",
    "Verifying you are human. This may take a few seconds.",
    "example.com needs to review the security of your connection before proceeding.",
    "Why have I been blocked?",
    "Bitte bestätigen Sie, dass Sie ein Mensch sind.",
    "Êtes-vous un robot ?",
    "example.de muss die Sicherheit Ihrer Verbindung überprüfen, bevor Sie fortfahren.",
    "Ihr Browser wird in Kürze auf den angeforderten Inhalt weitergeleitet.",
    "example.fr doit vérifier la sécurité de votre connexion avant de continuer.",
    "Votre navigateur sera redirigé vers le contenu demandé sous peu.",
    "example.es necesita revisar la seguridad de su conexión antes de continuar.",
    "Su navegador será redirigido al contenido solicitado en breve.",
    "example.it deve verificare la sicurezza della tua connessione prima di procedere.",
    "Il tuo browser verrà reindirizzato a breve al contenuto richiesto.",
    # sign-up, log-in and paywall prompts naming one mechanic
    "Sign up here",
    "Subscribe to our weekly newsletter for more stories like this.",
    "Get the best of our coverage delivered straight to your inbox.",
    "If you are already a subscriber, please log in.",
    "Registered users can read up to 5 stories a month.",
    "To read the rest of this article, start a membership today.",
    "Email address or username: Password Keep me signed in",
    "Jetzt weiterlesen: Ich bin bereits Abonnent",
]

#: news about the same mechanics: the site does not speak to its reader
NOT_NOTICES = [
    "The regulator fined the newspaper for setting cookies without its readers' consent.",
    "The streaming service added five million subscribers in the quarter, the company said.",
    "She said she had accepted the terms and conditions on the website without reading them.",
    "Advertising revenue makes up most of a web site's income, analysts said.",
    "Router makers print the IP address and the login on a sticker under the device.",
    "Die Behörde prüft, ob die Zeitung Cookies ohne Einwilligung ihrer Leser gesetzt hat.",
    "Президент подписал соглашение о рекламе на сайте министерства, сообщили нам в Кремле.",
    "他说，我们同意双方在广告领域的合作，并欢迎更多网站加入。",
    "وقال الوزير إن الحكومة وافقت على حماية الخصوصية والبيانات الشخصية للمواطنين.",
    "O regulador multou o site por usar cookies sem o consentimento dos leitores.",
    "O site atualizou a sua política de privacidade e os cookies de publicidade.",
    "Il Garante della privacy ha multato la società per la sua pubblicità sui cookie.",
    "U.S. privacy regulators fined the news site over its cookies, officials said.",
    "Residents have until Friday to sign up for the lottery for a guided tour.",
    "In the rest of this article we look at what the ruling means for tenants.",
    "The paper said it was already a member of the press council.",
    "Registered voters can cast their ballots until 8 p.m.",
    "The ticket site now checks whether each buyer is human before a sale goes through.",
    "Hackers were blocked by the bank's security team within minutes, the police said.",
    "Der Minister sagte, die Sicherheit der Verbindung zwischen den Netzen sei geprüft.",
    "This process is automatic, the tax office said, and takes up to 5 seconds.",
]


@pytest.mark.parametrize("sentence", NOTICES)
def test_notices_are_found(sentence: str) -> None:
    assert is_notice(sentence)


@pytest.mark.parametrize("sentence", NOT_NOTICES)
def test_news_about_cookies_and_subscriptions_is_kept(sentence: str) -> None:
    assert not is_notice(sentence)


def _set_aside(text: str) -> tuple[list[str], list[str]]:
    seg, blocks = set_notices_aside(segment(text, "en"))
    body = [text[s.start : s.end] for s in seg.body()]
    return body, [text[b.start : b.end] for b in blocks]


def test_a_notice_glued_into_the_story_is_set_aside_and_the_story_kept() -> None:
    text = (
        "Harbour reopens after storm. We use cookies to improve your experience on our "
        "website. Details are in our privacy policy. By clicking accept, you consent to this.\n\n"
        "The harbour reopened on Monday after a week of repairs, the port authority said. "
        "Fishing boats were the first to leave."
    )
    body, blocks = _set_aside(text)
    assert body == [
        "The harbour reopened on Monday after a week of repairs, the port authority said.",
        "Fishing boats were the first to leave.",
    ]
    # one block for the run, with the title that the crawl glued to its start
    assert len(blocks) == 1 and blocks[0].startswith("Harbour reopens after storm. We use")
    assert blocks[0].endswith("you consent to this.")


def test_a_bot_check_page_is_all_notice() -> None:
    text = (
        "We are sorry, but we have seen many requests from the IP address you are using.\n\n"
        "To continue, confirm that you are not a robot.\n\nYour IP address: 203.0.113.7"
    )
    body, blocks = _set_aside(text)
    assert body == []
    assert "".join(blocks).count("IP address") == 2


def test_two_bot_check_pages_are_not_copies_of_each_other() -> None:
    """Two pages one bot check answered instead of the articles: the same words
    but no article text on either side, so nothing was reused."""
    page = (
        "Are you a robot?\n\nPlease confirm you are a human by completing the captcha "
        "below. Why did this happen? Please make sure your browser supports JavaScript and "
        "cookies and that you are not blocking them from loading. Reference ID: {}"
    )
    report = retold.compare(page.format("8a7c6b5d-1111"), page.format("1f2e3d4c-2222"))
    assert report.verdict == "unrelated"
    assert report.why.count("no article text") == 2


#: an interstitial bot-check page as Cloudflare serves it, written for these tests
_CHALLENGE = """<!DOCTYPE html><html lang="{lang}"><head><title>Just a moment...</title></head>
<body><div class="main-content"><h1>www.{site}.com</h1>
<h2 id="challenge-running">{checking}</h2>
<div id="challenge-body-text">{review}</div>
<p>{automatic}</p><p>{wait}</p></div>
<div class="footer"><div class="ray-id">Ray ID: <code>{ray}</code></div>
<div id="footer-text">Performance &amp; security by Cloudflare</div></div></body></html>"""
_CHALLENGE_WORDS = {
    "en": (
        "Checking if the site connection is secure",
        "www.{site}.com needs to review the security of your connection before proceeding.",
        "This process is automatic. Your browser will redirect to your requested content shortly.",
        "Please allow up to 5 seconds…",
    ),
    "de": (
        "Verbindungssicherheit wird überprüft",
        "www.{site}.com muss die Sicherheit Ihrer Verbindung überprüfen, bevor Sie "
        "fortfahren können.",
        "Dieser Vorgang erfolgt automatisch. Ihr Browser wird in Kürze auf den angeforderten "
        "Inhalt umgeleitet.",
        "Bitte haben Sie bis zu 5 Sekunden Geduld…",
    ),
}


def test_two_sites_bot_check_interstitials_are_not_copies() -> None:
    """Two sites' Cloudflare waits crawled instead of their articles: every
    sentence of them is the check's, including its wait ("This process is
    automatic", "Please allow up to 5 seconds"), which used to align verbatim
    and make the two pages duplicates."""
    for lang, (checking, review, automatic, wait) in _CHALLENGE_WORDS.items():
        a, b = (
            _CHALLENGE.format(
                lang=lang,
                site=site,
                checking=checking,
                review=review.format(site=site),
                automatic=automatic,
                wait=wait,
                ray=ray,
            )
            for site, ray in (("daily-news", "7d3f8a1b2c4e5f60"), ("wire-copy", "81aa02c9e3d4b7f1"))
        )
        report = retold.compare(a, b)
        assert report.verdict == "unrelated", lang
        assert report.why.count("no article text") == 2, lang
        assert not report.alignments, lang


def test_text_without_notices_is_untouched() -> None:
    seg = segment(PAGE, "en")
    assert set_notices_aside(seg) == (seg, ())


def test_two_stories_under_one_consent_wall_are_not_copies() -> None:
    """Two pages of one site: different stories, the same consent text. Before
    notices were set aside, their shared notice made them a duplicate."""
    notice = (
        "We use cookies and similar technologies on our website to show you relevant "
        "advertising. You can find details in our privacy policy. By clicking "
        '"Accept and close" you consent to the processing of your personal data. You may '
        "withdraw your consent at any time as described in our privacy policy."
    )
    a = f"Council approves new tram line {notice}"
    b = f"Local bakery wins national bread prize {notice}"
    report = retold.compare(a, b)
    assert report.verdict not in ("duplicate", "near-duplicate", "rewrite")
    assert [x.reason for x in report.boilerplate_a] == ["site-notice"]
    assert [x.reason for x in report.boilerplate_b] == ["site-notice"]


@pytest.mark.slow
def test_development_texts_without_notices_lose_nothing() -> None:
    """No sentence of the L2R news sources, the other domains' human texts or
    Clough's texts is a site notice (about 5,400 texts, none of them a crawl)."""
    found = []
    for parts in (
        ("l2r_news_dev", "sources.jsonl"),
        ("l2r_other_domains", "human.jsonl"),
        ("clough_short_answers", "clough.jsonl"),
    ):
        # split on newlines only: the texts hold other line separators
        for line in shared_path("data", *parts).read_text(encoding="utf-8").split("\n"):
            if not line:
                continue
            text = json.loads(line)["text"]
            found += [
                text[s.start : s.end]
                for s in segment(text).sentences
                if is_notice(text[s.start : s.end])
            ]
    assert found == []


@pytest.mark.slow
def test_no_pattern_matches_without_its_words() -> None:
    """The substring gate in front of each notice pattern never hides a match:
    checked on every sentence of SemEval's crawls (which hold notices in seven
    languages) and on the examples above."""
    from retold.boilerplate import (
        _ALONE_WORDS,
        _IP_ADDRESS,
        _IP_WORDS,
        _NOTICE_ALONE,
        _NOTICE_KINDS,
        _PROMPT_WORDS,
        _PROMPTS,
    )

    sentences = [*NOTICES, *NOT_NOTICES]
    path = shared_path("data", "semeval2022_task8_train", "semeval_train.jsonl")
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line:
            row = json.loads(line)
            for text in (row["text1"], row["text2"]):
                sentences += [text[s.start : s.end] for s in segment(text).sentences]
    hidden = []
    for sentence in sentences:
        low = sentence.lower()
        pairs = [
            *_NOTICE_KINDS,
            (_ALONE_WORDS, _NOTICE_ALONE),
            (_PROMPT_WORDS, _PROMPTS),
            (_IP_WORDS, _IP_ADDRESS),
        ]
        for words, pattern in pairs:
            m = pattern.search(low)
            if m and not any(w in low for w in words):
                hidden.append((m.group(0), sentence[:80]))
    assert hidden == []


# A language model's reply around its rewrite, as pasted with it (written here
# in the shapes the L2R rewrites show)
CHATTER_OPENINGS = [
    "Sure! Here is a rewritten version of the text:",
    "Absolutely! Here’s a more enthusiastic version of your text:",
    "Certainly, here is a more professional rendition:",
    "Here are the main points of the text, restructured for clarity:",
    "Okay, here's a more relatable version of that text:",
    "Here you go:",
    "Revised passage:",
    "The rewritten text, with a friendlier tone:",
    "¡Claro! Aquí tienes una versión reescrita del texto:",
    "Bien sûr ! Voici une version réécrite du texte :",
    "Natürlich! Hier ist eine umgeschriebene Version des Textes:",
    "Certo! Ecco una versione riscritta del testo:",
    "Claro! Aqui está uma versão reescrita do texto:",
]
CHATTER_CLOSINGS = [
    "Let me know if you need any further changes!",
    "I hope this helps! Let me know if you have any questions.",
    "Hope this helps!",
    "If you need any further clarification, feel free to ask.",
    "Avísame si necesitas algún cambio.",
    "J'espère que cela vous convient !",
    "Lass mich wissen, ob du weitere Änderungen brauchst!",
    "Fammi sapere se hai bisogno di modifiche!",
    "Espero que isso ajude!",
]
# what news itself writes at the top of a story or a list
NOT_CHATTER = [
    "Here are key takeaways from the first presidential debate:",
    "Here is the full text of the statement:",
    "Here’s what to know:",
    "Here is the latest:",
    "Here are the results from Sunday's matches:",
    "The revised budget passed 51-49 on Tuesday.",
    "Let me know what you think, the mayor told reporters.",
    "Voici ce qu'il faut savoir :",
    "Aquí están los detalles del acuerdo:",
    "Hier ist die Erklärung im Wortlaut:",
    "Ecco cosa sappiamo:",
    "J'espère que cela changera, a-t-il dit.",
    "Spero che la situazione migliori presto.",
]


@pytest.mark.parametrize("line", CHATTER_OPENINGS)
def test_chatter_openings_are_found(line: str) -> None:
    assert is_chatter_opening(line)


@pytest.mark.parametrize("line", CHATTER_CLOSINGS)
def test_chatter_closings_are_found(line: str) -> None:
    assert is_chatter_closing(line)


@pytest.mark.parametrize("line", NOT_CHATTER)
def test_news_openings_are_not_chatter(line: str) -> None:
    assert not is_chatter_opening(line)
    assert not is_chatter_closing(line)


REWRITE = (
    "Sure! Here is a rewritten version of the text:\n\n"
    "On Tuesday the council decided to shut the old bridge after engineers found cracks.\n\n"
    "Repairs will cost $4 million and take a year, the mayor said.\n\n"
    "Let me know if you need any further changes!"
)


def test_a_reply_around_a_rewrite_is_set_aside_and_the_rewrite_kept() -> None:
    reasons = classify_paragraphs(REWRITE, paragraph_spans(REWRITE))
    assert reasons == {0: LLM_CHATTER, 3: LLM_CHATTER}


def test_chatter_is_read_only_at_the_ends() -> None:
    """The same lines inside a text are the text's own (a quoted chat, a
    story about chatbots), not a reply around it."""
    text = (
        "Title of the story\n\nFirst paragraph of the story.\n\nSecond paragraph.\n\n"
        "Here is a rewritten version of the text:\n\nThe end of the story."
    )
    assert LLM_CHATTER not in classify_paragraphs(text, paragraph_spans(text)).values()
    alone = "Let me know if you need any further changes!"
    assert LLM_CHATTER not in classify_paragraphs(alone, paragraph_spans(alone)).values()


def test_the_headline_of_a_reply_is_the_rewrites_first_words() -> None:
    from retold.comparison import headline
    from retold.types import Document

    assert headline(Document(REWRITE)).startswith("On Tuesday the council")
    assert without_chatter_opening("Here is the latest:\nMore.") == "Here is the latest:\nMore."


def test_the_reply_tells_which_way_a_rewrite_went() -> None:
    source = (
        "The city council voted on Tuesday to close the old bridge after engineers found "
        "cracks in two of its piers. The mayor said repairs would cost 4 million dollars "
        "and take a year."
    )
    report = retold.compare(REWRITE, source)
    assert [b.reason for b in report.boilerplate_a] == [LLM_CHATTER, LLM_CHATTER]
    assert report.boilerplate_b == []
    assert report.features["chatter_diff"] == 1.0
    assert "keeps a language model's reply around it" in report.why


@pytest.mark.slow
def test_chatter_is_found_in_rewrites_and_never_in_human_texts() -> None:
    """On ../shared/data: language models' replies open or close at least 200
    of the L2R rewrites, and no human text of L2R, SemEval or Clough."""
    import gzip

    def texts(*parts: str) -> list[str]:
        path = shared_path("data", *parts)
        raw = (
            gzip.decompress(path.read_bytes()).decode("utf-8")
            if path.suffix == ".gz"
            else path.read_text(encoding="utf-8")
        )
        rows = [json.loads(line) for line in raw.split("\n") if line]
        return [r[k] for r in rows for k in ("text", "text1", "text2") if k in r]

    def chatter(text: str) -> list[str]:
        paras = paragraph_spans(text)
        reasons = classify_paragraphs(text, paras)
        return [text[slice(*paras[i])] for i, r in reasons.items() if r == LLM_CHATTER]

    human = [
        *texts("l2r_news_dev", "sources.jsonl"),
        *texts("l2r_other_domains", "human.jsonl"),
        *texts("semeval2022_task8_train", "semeval_train.jsonl"),
        *texts("clough_short_answers", "clough.jsonl"),
    ]
    assert len(human) > 6_000
    assert [c for t in human for c in chatter(t)] == []
    rewrites = texts("l2r_other_domains", "rewrites.jsonl.gz") + texts(
        "l2r_news_dev", "rewrites.jsonl"
    )
    assert sum(1 for t in rewrites if chatter(t)) >= 200


@pytest.mark.parametrize(
    ("widget", "title"),
    [
        (
            "Sign up to FREE daily email alerts from examplelive - Weekend Report Subscribe "
            "Thank you for subscribing See our privacy notice Could not subscribe, try again "
            "later Invalid Email",
            "Why nobody does laundry on New Year's Day",
        ),
        (
            "Get The Harbour Gazette's Morning Edition by email and never miss our top "
            "stories Free Sign Up",
            "Ferry timetable changes for winter.",
        ),
    ],
)
def test_a_newsletter_widget_glued_between_title_and_lede_is_cut_out(
    widget: str, title: str
) -> None:
    """A publisher's sign-up widget sits, with no full stop around it, in the
    sentence of the title and the lede: the widget goes, the two stay."""
    lede = "Old superstitions around washing on the first day of the year are still alive."
    text = f"{title} {widget} {lede} Most of them are about bad luck."
    seg, blocks = set_notices_aside(segment(text, "en"))
    assert [text[b.start : b.end] for b in blocks] == [widget]
    body = [s.text for s in seg.body()]
    assert body[:2] == [title, lede]
    assert [s.index for s in seg.sentences] == list(range(len(seg.sentences)))


def test_a_video_players_line_is_set_aside() -> None:
    assert reasons("The video will start in 8 Cancel\n\nThe story.") == {
        "The video will start in 8 Cancel": "video-player"
    }
