"""Units, currencies and conversions a figure is written with ("km",
"dollars", "£", "-metre"), and the unit word after a figure."""

from __future__ import annotations

import re

from retold.changes.dates import _alternation
from retold.text import fold

_CURRENCY = {
    "us$": "dollar",
    "$": "dollar",
    "c$": "dollar",
    "a$": "dollar",
    "mx$": "peso",
    "r$": "real",
    "€": "euro",
    "£": "pound",
    "¥": "yen",
    "₹": "rupee",
}
_UNITS: dict[str, str] = {}
_UNIT_SURFACES: set[str] = set()
for _canon, _forms in {
    "percent": "% | percent | per cent | pct | por ciento | pour cent | por cento | per cento"
    " | percento | prozent | procent | proc. | proc | процентов | процента | процент | проц.",
    "percentage point": "percentage points | percentage point | puntos porcentuales"
    " | punto porcentual",
    "dollar": "dollars | dollar | dólares | dólar | dollari | dollaro | usd",
    "euro": "euros | euro | eur",
    "peso": "pesos | peso",
    "pound": "pounds | pound | libras | libra",
    "pence": "pence | penny | pennies",
    "yen": "yen",
    "yuan": "yuan",
    "bolivar": "bolívares | bolívar",
    "real": "reais | reales",
    "mile": "miles | mile | millas | milla",
    "km": "kilometers | kilometer | kilometres | kilometre | kilómetros | kilómetro | km | kms",
    "m": "meters | meter | metres | metre | metros | metro",
    "ft": "feet | foot | ft | pies",
    "inch": "inches | inch | pulgadas | pulgada",
    "kg": "kilograms | kilogram | kilos | kilo | kg | kilogramos | kilogramo",
    "lb": "lbs | lb",
    "ton": "tons | ton | tonnes | tonne | toneladas | tonelada",
    "acre": "acres | acre",
    "ha": "hectares | hectare | hectáreas | hectárea | ha",
    "year": "years | year | años | año | yrs",
    "month": "months | month | meses | mes",
    "week": "weeks | week | semanas | semana",
    "day": "days | day | días | día",
    "hour": "hours | hour | horas | hora | hrs | hr",
    "minute": "minutes | minute | minutos | minuto | min",
    "second": "seconds | segundos",
    "degree": "degrees | degree | grados | grado | °c | °f | °",
    "am": "a.m. | am",
    "pm": "p.m. | pm",
}.items():
    for _f in _forms.split("|"):
        _UNIT_SURFACES.add(_f.strip())
        _UNITS[fold(_f.strip())] = _canon

_CONVERSIONS = {
    ("mile", "km"): 1.609344,
    ("lb", "kg"): 0.45359237,
    ("pound", "kg"): 0.45359237,
    ("ft", "m"): 0.3048,
    ("inch", "m"): 0.0254,
    ("acre", "ha"): 0.40468564,
    # a bare "3.6m" is read as 3.6 million of :data:`_MILLION_OR_METRE`; "3.6 metres"
    # beside it is then the same figure
    ("m?", "m"): 1e-6,
    ("m?", "ft"): 1e-6 / 0.3048,
    ("pound", "pence"): 100.0,
}
_MONEY = frozenset({"dollar", "euro", "peso", "pound", "yen", "yuan", "bolivar", "real", "rupee"})


_UNIT_RE = re.compile(
    r"(?:\s*|-)(?:d[ei]\s+|d['’])?(?P<unit>" + _alternation(_UNIT_SURFACES) + r")(?![^\W\d_])", re.I
)


def _unit_at(text: str, e: int) -> tuple[str | None, int]:
    """The unit word ("km", "dollars", "-metre") right after ``e`` and where it ends;
    (None, e) when there is none."""
    um = _UNIT_RE.match(text, e)
    if um is None:
        return None, e
    u = _UNITS.get(fold(re.sub(r"\s+", " ", um.group("unit"))))
    return (u, um.end()) if u is not None else (None, e)
