"""The words the names stage reads names and titles by: titles of office in
English and Spanish, forms of address, the connectors inside a name, places'
other spellings, and whether a capitalised German word can be a name."""

from __future__ import annotations

from functools import lru_cache

from retold.text import fold, folded_words

_TITLE_CORE: dict[str, tuple[str, ...]] = {}
for _canon_t, _forms_t in {
    ("president",): "president presidente presidenta président pres",
    ("vice", "president"): "vicepresidente vicepresidenta",
    ("minister",): "minister ministro ministra ministre",
    ("prime", "minister"): "premier",
    ("foreign", "minister"): "canciller",
    ("chancellor",): "chancellor",
    ("secretary",): "secretary secretario secretaria",
    ("senator",): "senator sen senador senadora",
    ("representative",): "representative rep congressman congresswoman diputado diputada",
    ("governor",): "governor gov gobernador gobernadora",
    ("mayor",): "mayor alcalde alcaldesa",
    ("general",): "general gen",
    ("admiral",): "admiral adm almirante",
    ("colonel",): "colonel col coronel",
    ("lieutenant",): "lieutenant lt teniente",
    ("sergeant",): "sergeant sgt sargento",
    ("captain",): "captain capt capitán",
    ("commander",): "commander comandante",
    ("judge",): "judge juez jueza",
    ("prosecutor",): "prosecutor fiscal",
    ("king",): "king rey",
    ("queen",): "queen reina",
    ("prince",): "prince príncipe",
    ("princess",): "princess princesa",
    ("pope",): "pope pontífice",
    ("ceo",): "ceo",
    ("chair",): "chairman chairwoman chairperson chair",
    ("director",): "director directora",
    ("ambassador",): "ambassador embajador embajadora",
    ("spokesperson",): "spokesman spokeswoman spokesperson portavoz vocero vocera",
    ("leader",): "leader líder",
    ("speaker",): "speaker",
    ("reverend",): "reverend",
    ("councillor",): "councillor councilor concejal concejala",
    ("sheriff",): "sheriff",
    ("commissioner",): "commissioner comisionado comisionada",
    ("envoy",): "envoy enviado enviada",
}.items():
    for _f in _forms_t.split():
        _TITLE_CORE[fold(_f)] = _canon_t
_TITLE_PART: dict[str, tuple[str, ...]] = {
    fold(f): c
    for c, fs in {
        ("foreign",): "foreign exteriores exterior",
        ("state",): "state estado",
        ("interior",): "interior",
        ("defense",): "defense defence defensa",
        ("finance",): "finance hacienda finanzas",
        ("economy",): "economy economía",
        ("health",): "health salud",
        ("attorney",): "attorney",
        ("prime",): "prime primer primera",
        ("vice",): "vice",
        ("deputy",): "deputy adjunto adjunta",
        ("chief",): "chief",
        ("executive",): "executive ejecutivo ejecutiva",
        ("opposition",): "opposition opositor opositora",
        # the portfolio after "of" in a title ("Director of Rugby David Humphreys",
        # "Minister of Justice Ana Gómez"): without it the portfolio is read as the
        # person's first name
        ("justice",): "justice justicia",
        ("education",): "education educación",
        ("transport",): "transport transportation transportes transporte",
        ("energy",): "energy energía",
        ("environment",): "environment",
        ("trade",): "trade comercio",
        ("labour",): "labour labor trabajo",
        ("agriculture",): "agriculture agricultura",
        ("culture",): "culture cultura",
        ("sport",): "sport sports deportes deporte",
        ("communications",): "communications communication comunicación comunicaciones",
        ("security",): "security seguridad",
        ("treasury",): "treasury",
        ("exchequer",): "exchequer",
        ("football",): "football fútbol",
        ("rugby",): "rugby",
        ("cricket",): "cricket",
        ("staff",): "staff",
        ("operations",): "operations",
        (): "affairs asuntos relaciones",
    }.items()
    for f in fs.split()
}
_TITLE_MOD: dict[str, tuple[str, ...]] = {
    fold(f): c
    for c, fs in {
        ("acting",): "acting interim caretaker encargado encargada interino interina",
        ("former",): "former ex",
        ("late",): "late",
        ("outgoing",): "outgoing saliente",
        ("elect",): "incoming elect electo electa",
        ("then",): "then",
        ("deposed",): "deposed ousted derrocado derrocada depuesto depuesta",
    }.items()
    for f in fs.split()
}
_TITLE_CONNECTORS = frozenset({"of", "de", "del", "for"})
_NAME_CONNECTORS = folded_words(
    "de del la las los of van von der den da do dos das di du le bin ibn al el"
)

# forms of address: dropped or added by rewriters as a matter of style, so not changes
_HONORIFICS = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "sir", "dame", "lord", "lady", "dr", "prof", "rev"}
    | {"herr", "frau", "mme", "mlle", "m", "sr", "sra", "srta", "don", "dona"}
)
# one place, several spellings: these are not changes of name
_ALIASES = {
    # irregular adjectives of places, which _same_name_word cannot derive
    **dict.fromkeys(["spanish", "espanol", "espanola", "espanoles"], "spain"),
    **dict.fromkeys(["french", "frances", "francesa"], "france"),
    **dict.fromkeys(["american", "americans", "estadounidense", "estadounidenses"], "us"),
    **dict.fromkeys(["british", "britanico", "britanica"], "uk"),
    "dutch": "netherlands",
    **dict.fromkeys(["frenchman", "frenchwoman", "frenchmen"], "france"),
    **dict.fromkeys(["englishman", "englishwoman", "english"], "england"),
    **dict.fromkeys(["scotsman", "scotswoman", "scottish", "scots"], "scotland"),
    "welsh": "wales",
    "swiss": "switzerland",
    "greek": "greece",
    "irish": "ireland",
    "danish": "denmark",
    "swedish": "sweden",
    "polish": "poland",
    "turkish": "turkey",
    "norwegian": "norway",
    "united states": "us",
    "usa": "us",
    "eeuu": "us",
    "ee uu": "us",
    "estados unidos": "us",
    "united kingdom": "uk",
    "britain": "uk",
    "great britain": "uk",
    "reino unido": "uk",
    "united nations": "un",
    "onu": "un",
    "naciones unidas": "un",
    "european union": "eu",
    "ue": "eu",
    "union europea": "eu",
}


def _title_components(fold: str) -> tuple[str, tuple[str, ...]] | None:
    """("core" | "part" | "mod", canonical components) for a title word, else None."""
    if fold in _TITLE_CORE:
        return "core", _TITLE_CORE[fold]
    if fold in _TITLE_MOD:
        return "mod", _TITLE_MOD[fold]
    if fold in _TITLE_PART:
        return "part", _TITLE_PART[fold]
    if fold.startswith("ex") and fold[2:] in _TITLE_CORE:  # expresidente, exministro
        return "core", ("former", *_TITLE_CORE[fold[2:]])
    return None


#: how much more often a capitalised German word may be written in German
#: than in English and still be a name (Zipf, wordfreq): "Berlin", "Merkel"
#: and "Scholz" are written in English too, "Regierung" and "Kabinett" are not
_GERMAN_NOUN_MARGIN = 2.0


@lru_cache(maxsize=1 << 14)
def _german_name(word: str) -> bool:
    """Whether a capitalised German word can be a name: German capitalises
    every noun, so a capital says nothing there. An acronym is a name ("SPD");
    a word German writes far more often than English does is a noun, even in
    the genitive ("Merkels" is "Merkel")."""
    if len(word) >= 2 and word.isupper():
        return True
    from wordfreq import zipf_frequency

    w = word.lower()
    forms = (w, w[:-1]) if w.endswith("s") and len(w) > 3 else (w,)
    return any(
        zipf_frequency(f, "en") >= zipf_frequency(f, "de") - _GERMAN_NOUN_MARGIN for f in forms
    )
