"""A synthetic corpus with known derivations, for the stories evaluation.

Built from ../shared/data, deterministically (seeded):

- news families (L2R news): a BBC source S, its GPT rewrite R, a lightly
  edited copy C of S, and a copy R2 of the rewrite (a rewrite of a rewrite:
  sentences dropped, reordered, a number changed);
- sibling families (L2R other domains): one human text and its rewrites by up
  to four LLMs, all made from the source (a hub);
- independent pairs (SemEval, English, rated "very similar"): two outlets'
  own reports of one event — one story, no derivation edge.

Publication times: sources first, then derived articles; a share of the
articles carry no time at all, so direction must also come from the text.
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import jsonl, l2r_news, semeval


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    published: str | None
    family: str


_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")


def _edit(text: str, rng: random.Random) -> str:
    """A light copy edit: drop a sentence, swap two neighbours, bump a number."""
    sents = _SENT.split(text.strip())
    if len(sents) > 4:
        del sents[rng.randrange(1, len(sents))]
    if len(sents) > 3:
        i = rng.randrange(1, len(sents) - 1)
        sents[i], sents[i + 1] = sents[i + 1], sents[i]
    out = " ".join(sents)
    m = re.search(r"\b(\d{2,4})\b", out)
    if m:
        out = out[: m.start()] + str(int(m.group(1)) + 1) + out[m.end() :]
    return out


def _time(day: int, hour: int, rng: random.Random, p_known: float) -> str | None:
    if rng.random() > p_known:
        return None
    return f"2026-03-{day:02d}T{hour:02d}:{rng.randrange(60):02d}:00Z"


def build(
    n_news: int = 60,
    n_siblings: int = 40,
    n_independent: int = 30,
    p_known: float = 0.7,
    seed: int = 7,
) -> tuple[list[Item], set[tuple[str, str]], list[set[str]]]:
    """(items, true derivation edges (source, derived), true stories)."""
    rng = random.Random(seed)
    items: list[Item] = []
    edges: set[tuple[str, str]] = set()
    stories: list[set[str]] = []
    sources, rewrites = l2r_news()
    by_source = {r["source_id"]: r for r in rewrites}
    # long enough to be articles (the set has one-line video captions too)
    news = [k for k in sources if k in by_source and len(sources[k].split()) >= 120][:n_news]
    for n, sid in enumerate(news):
        day = 1 + n % 27
        fam = f"news{n}"
        s, rw, c, rw2 = f"{fam}-src", f"{fam}-rw", f"{fam}-copy", f"{fam}-rw2"
        items += [
            Item(s, sources[sid], _time(day, 6, rng, p_known), fam),
            Item(rw, by_source[sid]["text"], _time(day, 9, rng, p_known), fam),
            Item(c, _edit(sources[sid], rng), _time(day, 12, rng, p_known), fam),
            Item(rw2, _edit(by_source[sid]["text"], rng), _time(day, 15, rng, p_known), fam),
        ]
        edges |= {(s, rw), (s, c), (rw, rw2)}
        stories.append({s, rw, c, rw2})

    humans = {r["id"]: r["text"] for r in jsonl("l2r_other_domains", "human.jsonl")}
    kids: dict[str, list[dict[str, str]]] = {}
    for r in jsonl("l2r_other_domains", "rewrites.jsonl.gz"):
        if r["source_match"] == "index" and r["domain"] not in ("Code", "PersonalCommunication"):
            kids.setdefault(r["source_id"], []).append(r)
    fams = [k for k, v in kids.items() if len(v) >= 3 and len(humans[k].split()) >= 120][
        :n_siblings
    ]
    for n, hid in enumerate(fams):
        day = 1 + n % 27
        fam = f"sib{n}"
        src = f"{fam}-src"
        items.append(Item(src, humans[hid], _time(day, 5, rng, p_known), fam))
        members = {src}
        for j, kid in enumerate(kids[hid]):
            kid_id = f"{fam}-{kid['id'].rsplit('-', 2)[-2]}"
            items.append(Item(kid_id, kid["text"], _time(day, 8 + j, rng, p_known), fam))
            edges.add((src, kid_id))
            members.add(kid_id)
        stories.append(members)

    pairs = [
        r
        for r in semeval()
        if not r["augmented"]
        and r["lang1"] == r["lang2"] == "en"
        and r["overall"] <= 1.5
        and min(len(r["text1"].split()), len(r["text2"].split())) >= 120
    ][:n_independent]
    for n, r in enumerate(pairs):
        fam = f"ind{n}"
        a, b = f"{fam}-a", f"{fam}-b"
        items += [
            Item(a, r["text1"], _time(1 + n % 27, 7, rng, p_known), fam),
            Item(b, r["text2"], _time(1 + n % 27, 8, rng, p_known), fam),
        ]
        stories.append({a, b})
    return items, edges, stories
