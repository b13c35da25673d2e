"""Turn raw bytes into text, refusing binary data with a message that says what it is.

The order matters: magic numbers, then byte-order marks, then UTF-16/32 without a
mark, then NUL bytes, strict UTF-8, a declared charset, cp1252 and latin-1 as
the last resort. The text is returned as decoded, minus a BOM: downstream spans
point into it, so newlines and whitespace are left alone.
"""

from __future__ import annotations

import codecs
import re

from retold.errors import (
    BinaryInputError,
    DecodeError,
    EmptyInputError,
    InputError,
    InputTooLargeError,
)
from retold.ingest.records import surrogate_at

__all__ = [
    "DEFAULT_MAX_BYTES",
    "declared_charset",
    "decode",
    "human_size",
    "repair_mojibake",
    "sniff_binary",
    "too_large",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xca\xfe\xba\xbe", "a Java class or Mach-O file"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\x00asm", "a WebAssembly module"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.doc/.xls)"),
    (b"{\\rtf", "an RTF document"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"wOFF", "a WOFF font"),
    (b"wOF2", "a WOFF2 font"),
)

# how to get text out of it, keyed by the second word of the description
_FIXES = {
    "PDF": "; extract its text first (e.g. with pdftotext)",
    "RTF": "; save it as plain text first",
    "Word": "; save it as plain text first",
    "OpenDocument": "; save it as plain text first",
    "gzip-compressed": "; decompress it first",
    "bzip2-compressed": "; decompress it first",
    "xz-compressed": "; decompress it first",
    "zstd-compressed": "; decompress it first",
}

_ZIP_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"word/", "a Word document (.docx)"),
    (b"xl/", "an Excel workbook (.xlsx)"),
    (b"ppt/", "a PowerPoint file (.pptx)"),
    (b"application/epub+zip", "an EPUB e-book"),
    (b"application/vnd.oasis.opendocument", "an OpenDocument file"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian mark starts with the UTF-16 one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_SAMPLE = 64 * 1024

# <meta charset=...>, <meta http-equiv content="...; charset=...">, <?xml encoding=...?>
_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)["']""",
    re.IGNORECASE,
)

# whitespace and ESC are ordinary in text files; every other C0/C1 control is not
_TEXT_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1b\x85")
# the other control characters (Unicode category Cc is U+0000-001F and
# U+007F-009F); a regex counts them at C speed, and every indexed text is checked
_BAD_CONTROL = re.compile(
    "["
    + "".join(
        re.escape(chr(c))
        for c in [*range(0x20), *range(0x7F, 0xA0)]
        if chr(c) not in _TEXT_CONTROLS
    )
    + "]"
)
_MAX_CONTROL_SHARE = 0.1
# a letter or digit in any script (\w without the underscore)
_WORD = re.compile(r"[^\W_]")


def sniff_binary(data: bytes) -> str | None:
    """Say what known binary format ``data`` starts with, or None."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            if magic == b"BZh" and data[4:10] != b"1AY&SY":
                continue  # a text could start with "BZh"
            return what
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        head = data[:4096]
        for marker, what in _ZIP_KINDS:
            if marker in head:
                return what
        return "a ZIP archive"
    if data[:4] == b"RIFF" and len(data) >= 12:
        return {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}.get(
            data[8:12], "a RIFF media file"
        )
    if data[4:8] == b"ftyp":
        return "an MP4/QuickTime media file"
    if data[:3] == b"ID3" and data[3:4] in (b"\x02", b"\x03", b"\x04"):
        return "an MP3 audio file"
    if data[:2] == b"MZ" and b"\x00" in data[2:64]:
        return "a Windows executable"
    return None


def _binary(name: str, what: str) -> BinaryInputError:
    fix = _FIXES.get(what.split()[1], "")
    return BinaryInputError(f"{name}: looks like {what}; retold reads text or HTML{fix}")


def human_size(n: int) -> str:
    """``52428800`` → ``"50.0 MB (52,428,800 bytes)"``."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit} ({n:,} bytes)"
    return f"{n:,} bytes"


def too_large(name: str, cap: int, size: int | None = None) -> InputTooLargeError:
    """The over-the-cap error, with the size when it is known."""
    what = f"is {human_size(size)}, over" if size is not None else "is over"
    return InputTooLargeError(
        f"{name} {what} the {human_size(cap)} limit; "
        "raise the limit with --max-bytes (max_bytes=) to read it anyway"
    )


def _utf16_32_without_bom(data: bytes) -> str | None:
    """Guess UTF-16/32 without a byte-order mark from where the NUL bytes fall."""
    sample = data[:4096]
    n = len(sample)
    if n < 4 or b"\x00" not in sample:
        return None
    if n % 4 == 0 or len(data) % 4 == 0:
        quads = n // 4
        cols = [sample[i::4][:quads].count(0) / quads for i in range(4)]
        # BMP text in UTF-32 has two NUL bytes in every code unit
        if cols[2] > 0.95 and cols[3] > 0.95 and cols[0] < 0.5:
            return "utf-32-le"
        if cols[0] > 0.95 and cols[1] > 0.95 and cols[3] < 0.5:
            return "utf-32-be"
    pairs = n // 2
    even = sample[0::2][:pairs].count(0) / pairs
    odd = sample[1::2][:pairs].count(0) / pairs
    # in UTF-16 the NULs are the high bytes of ASCII characters, so all on one side;
    # binary data has them on both (the caller still checks the decoded text)
    if odd > 0.02 and even <= odd / 4:
        return "utf-16-le"
    if even > 0.02 and odd <= even / 4:
        return "utf-16-be"
    return None


def _codec(label: str) -> str | None:
    """A Python codec name for a declared charset label, or None if unknown."""
    try:
        name = codecs.lookup(label.strip().lower()).name
    except (LookupError, ValueError, UnicodeError):  # unknown, or a NUL or surrogate in it
        return None
    # as in browsers: pages labelled latin-1 or ASCII are really windows-1252
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return name


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML/XML document declares in its first few KB, if any."""
    head = data[:4096]
    if b"<" not in head:
        return None
    m = _META_CHARSET.search(head)
    if not m:
        return None
    label = (m.group(1) or m.group(2)).decode("ascii", "replace")
    return _codec(label)


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _control_share(text: str) -> float:
    sample = text[:_SAMPLE]
    if not sample:
        return 0.0
    return len(_BAD_CONTROL.findall(sample)) / len(sample)


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit, in any script."""
    return _WORD.search(text) is not None


def check_text(text: str, *, name: str, hint: str = "give a file with the article text") -> None:
    """Refuse text that cannot be an article: mostly control characters (binary
    data that decoded by accident), only whitespace, or no letter or digit at
    all (nothing to segment or align, so every comparison would say unrelated),
    or a lone surrogate (a string no UTF-8 writer can store or print)."""
    at = surrogate_at(text)
    if at >= 0:
        raise InputError(
            f"{name}: holds a lone surrogate ({ascii(text[at])[1:-1]} at character {at}), "
            "which is not valid Unicode; fix the text's encoding"
        )
    share = _control_share(text)
    if share > _MAX_CONTROL_SHARE:
        raise BinaryInputError(
            f"{name}: looks like binary data ({share:.0%} control characters); "
            "retold reads text or HTML"
        )
    if not text.strip():
        raise EmptyInputError(f"{name}: contains only whitespace; {hint}")
    if not has_words(text):
        raise EmptyInputError(
            f"{name}: has no words (no letter or digit, only punctuation or symbols); {hint}"
        )


def _check_text(text: str, encoding: str, *, name: str) -> tuple[str, str]:
    check_text(text, name=name)
    return text, encoding


def _by_bom(data: bytes, name: str) -> tuple[str, str] | None:
    """(text, codec) when ``data`` starts with a byte-order mark; DecodeError if it lies."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            body = data if codec == "utf-8-sig" else data[len(bom) :]
            text = _try(body, codec)
            if text is None:
                label = codec.removesuffix("-sig").upper()
                raise DecodeError(
                    f"{name}: starts with a {label} byte-order mark but is not valid {label}; "
                    "re-save it as UTF-8"
                )
            return text, codec
    return None


def _wide(data: bytes, declared_codec: str | None) -> tuple[str, str] | None:
    """(text, codec) for UTF-16/32 without a BOM: declared so, or recognisable as such."""
    if declared_codec and declared_codec.startswith(("utf-16", "utf-32")):
        if declared_codec in ("utf-16", "utf-32"):
            # no BOM (checked before), so the label's default byte order is big-endian
            declared_codec += "-be"
        text = _try(data, declared_codec)
        if text is not None:
            return text, declared_codec
    guess = _utf16_32_without_bom(data)
    if guess is not None:
        text = _try(data, guess)
        if text is not None and _control_share(text) <= _MAX_CONTROL_SHARE:
            return text, guess
    return None


def decode(data: bytes, *, name: str, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` to ``(text, encoding)``.

    ``declared`` is a charset from outside the bytes (an HTTP Content-Type); it
    is tried after a BOM and strict UTF-8. Raises EmptyInputError,
    BinaryInputError or DecodeError with a message naming ``name``.
    """
    if not data:
        raise EmptyInputError(f"{name}: is empty; give a file with the article text")

    what = sniff_binary(data)
    if what is not None:
        raise _binary(name, what)

    found = _by_bom(data, name)
    if found is not None:
        return _check_text(*found, name=name)

    declared_codec = _codec(declared) if declared else None
    found = _wide(data, declared_codec)
    if found is not None:
        return _check_text(*found, name=name)

    if b"\x00" in data[:_SAMPLE]:
        raise BinaryInputError(
            f"{name}: looks like binary data (it contains NUL bytes); retold reads text or HTML"
        )

    candidates = ["utf-8"]
    if declared_codec:
        candidates.append(declared_codec)
    meta = declared_charset(data)
    if meta and not meta.startswith(("utf-16", "utf-32")):
        candidates.append(meta)
    candidates.append("cp1252")
    for codec in candidates:
        text = _try(data, codec)
        if text is not None:
            return _check_text(text, codec, name=name)
    # latin-1 maps every byte, so this always succeeds
    return _check_text(data.decode("latin-1"), "latin-1", name=name)


#: what UTF-8 read as Windows-1252 or Latin-1 shows ("NicolÃ¡s", "â€œ",
#: "Ð¿Ñ€Ð¸"): a lead byte's letter (Â to ô) and a continuation byte's sign
#: (U+0080 to U+00BF, or the Windows-1252 signs of 0x80 to 0x9F). ftfy's test
#: for mojibake costs 2 ms on a 5 KB article and seconds on a large page; this
#: search a few microseconds, and real text ("ESPAÑA", "Åland") rarely has
#: such a pair, so ftfy looks only at a text that has one
_MOJIBAKE_PAIR = re.compile("[\u00c2-\u00f4][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")
#: ftfy's names of the codecs a text was wrongly read with
_CODEC_NAMES = {
    "sloppy-windows-1252": "Windows-1252",
    "latin-1": "Latin-1",
    "sloppy-windows-1251": "Windows-1251",
    "sloppy-windows-1250": "Windows-1250",
    "iso-8859-2": "Latin-2",
    "macroman": "Mac Roman",
    "cp437": "DOS code page 437",
}


def repair_mojibake(text: str) -> tuple[str, str | None]:
    """``text`` with mojibake undone, and a note of what was repaired (None when
    nothing was).

    Mojibake is UTF-8 text that was once read with another codec and saved
    again ("NicolÃ¡s Maduro", "â€œpeaceâ€"): scrapers and feeds produce it,
    and left alone it turns a verbatim copy into a near-duplicate full of
    changed names and quotes. ftfy decides, with its tests for mojibake that
    leave real accented text alone, and repairs it (ftfy comes with wordfreq).
    """
    if text.isascii() or _MOJIBAKE_PAIR.search(text) is None:
        return text, None
    from ftfy import badness, fix_encoding_and_explain

    if not badness.is_bad(text):
        return text, None
    fixed, steps = fix_encoding_and_explain(text)
    if fixed == text:
        return text, None
    wrong = [p for action, p in steps or () if action == "encode"]
    how = (
        f"UTF-8 read as {_CODEC_NAMES.get(wrong[0], wrong[0])}"
        if wrong
        else "UTF-8 read with another codec in places"
    )
    return fixed, f"mojibake repaired ({how})"
