"""Encoding detection, verification over the whole file, and streamed transcoding to UTF-8.

DuckDB reads UTF-8 and ISO-8859-1 itself; other files are transcoded to a UTF-8 copy first.

Government files come in UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1252,
ISO-8859-1 and Mac Roman. UTF-8 is tried first and strictly: a legacy file almost never
decodes as valid UTF-8 by accident. Among the single-byte encodings, each decoding of a sample
is scored on how plausible its accented characters are in French, English and neighbouring
languages, so "AnnÈe" (Mac Roman read of Windows-1252) or "Ã©" (UTF-8 read as Latin-1)
lose to "Année".
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .errors import IngestError, _

CHUNK = 16 * 1024 * 1024

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
LEGACY = ("windows-1252", "mac_roman", "iso-8859-1")
NAMES = {"utf-8": "UTF-8", "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE",
         "utf-32-le": "UTF-32LE", "utf-32-be": "UTF-32BE", "windows-1252": "Windows-1252",
         "mac_roman": "Mac Roman", "iso-8859-1": "ISO-8859-1"}

_COMMON_LETTERS = set("éèêëàâäçîïôöûùüÿœæÉÈÊËÀÂÄÇÎÏÔÖÛÙÜŒÆáíóúñÁÍÓÚÑãõßåøÅØ")
_COMMON_SYMBOLS = set("\u00a0«»°€’‘“”–—…£§©®²³µ·½¼¾¿¡×\u202f")
_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf]|â€")
# Maps the bytes 0x80-0x9F, where Windows-1252 and ISO-8859-1 differ, to 1 and every other
# byte to 0: a table lookup then a byte search finds them several times faster than deleting.
_C1_MARKS = bytes(1 if 0x80 <= b < 0xA0 else 0 for b in range(256))
_C1_OR_NUL = bytes(1 if b == 0 or 0x80 <= b < 0xA0 else 0 for b in range(256))


@dataclass
class Encoding:
    name: str  # Python codec name
    bom: int = 0  # bytes to skip at the start of the file
    confidence: float = 1.0
    source: str = "detected"  # "bom", "detected", "publisher"

    @property
    def label(self) -> str:
        return NAMES.get(self.name, self.name)

    def as_dict(self) -> dict:
        return {"encoding": self.label, "codec": self.name, "bom": bool(self.bom),
                "confidence": round(self.confidence, 2), "source": self.source}


def plausibility(text: str) -> int:
    """Score how natural the non-ASCII characters of ``text`` look (higher is better)."""
    score = 0
    prev = " "
    for ch in text:
        if ch > "\x7f":
            if "\x80" <= ch <= "\x9f":
                score -= 5
            elif ch in _COMMON_LETTERS:
                # An uppercase accent inside a lowercase word is the mark of a wrong guess.
                score += -2 if ch.isupper() and prev.islower() else 2
            elif ch in _COMMON_SYMBOLS:
                score += 1
            else:
                score -= 2
        prev = ch
    return score - 3 * len(_MOJIBAKE.findall(text))


def looks_like_mojibake(text: str) -> bool:
    """True when UTF-8 text reads like UTF-8 that was once decoded as Latin-1 ("Ã©")."""
    hits = len(_MOJIBAKE.findall(text))
    return hits >= 3 and hits * 2 >= sum(1 for ch in text if ch > "\x7f") * 0.3


def _utf16_without_bom(sample: bytes) -> str | None:
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = max(1, len(sample) // 2)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _decodes(sample: bytes, codec: str) -> str | None:
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        return decoder.decode(sample, final=False)  # a cut multi-byte tail is not an error
    except UnicodeDecodeError:
        return None


def detect(sample: bytes, *, override: str | None = None) -> Encoding:
    """Guess the encoding from the first bytes of a file (not yet verified on the whole)."""
    bom = 0
    for mark, name in BOMS:
        if sample.startswith(mark):
            if override is None or codecs.lookup(override).name.startswith(name[:6]):
                return Encoding(name, len(mark), 1.0, "bom")
            bom = len(mark)
    if override:
        try:
            name = codecs.lookup(override).name
        except LookupError:
            raise IngestError(_("Unknown encoding “%s”.") % override, "bad_option") from None
        name = {"cp1252": "windows-1252", "latin-1": "iso-8859-1", "iso8859-1": "iso-8859-1",
                "utf-8-sig": "utf-8"}.get(name, name)
        return Encoding(name, bom, 1.0, "publisher")
    wide = _utf16_without_bom(sample[:65536])
    if wide:
        return Encoding(wide, 0, 0.9)
    text = _decodes(sample, "utf-8")
    if text is not None:
        confidence = 1.0 if text.isascii() else 0.99
        return Encoding("utf-8", 0, confidence)
    scored = []
    for codec in LEGACY:
        decoded = _decodes(sample, codec)
        if decoded is not None:
            scored.append((plausibility(decoded), codec))
    scored.sort(key=lambda item: (-item[0], LEGACY.index(item[1])))
    best_score, best = scored[0]
    if best_score < 0:
        from charset_normalizer import from_bytes

        match = from_bytes(sample[:262144]).best()
        if match is not None and match.encoding not in ("utf_8", "ascii"):
            return Encoding(codecs.lookup(match.encoding).name, 0, 0.5)
    margin = best_score - (scored[1][0] if len(scored) > 1 else 0)
    confidence = 0.6 + min(0.35, margin / max(1, abs(best_score) + 1) * 0.35)
    return Encoding(best, 0, confidence)


def _locate(path: str, offset: int) -> int:
    """1-based line of byte ``offset`` (counts LF and lone CR)."""
    with open(path, "rb") as fh:
        head = fh.read(offset)
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def reads_as_latin1(path: str, enc: Encoding) -> str | None:
    """The label of a single-byte file that DuckDB can read itself as ISO-8859-1, else None.

    Windows-1252 and ISO-8859-1 only differ on the bytes 0x80-0x9F: a file without them (nor
    NUL bytes, which transcode() refuses) needs no transcoded copy. Like transcode(), a
    Windows-1252 guess is then reported as ISO-8859-1.
    """
    if enc.name not in ("windows-1252", "iso-8859-1") or enc.bom:
        return None
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            if chunk.translate(_C1_OR_NUL).find(1) >= 0:
                return None
    return "windows-1252" if enc.source == "publisher" else "iso-8859-1"


def transcode(path: str, enc: Encoding, dest: str, *, on_chunk=None) -> str:
    """Decode the whole file strictly with ``enc`` and write it as UTF-8 to ``dest``.

    Returns the encoding's final label: a Windows-1252 guess that never met a byte in
    0x80-0x9F is reported as ISO-8859-1, the two being the same for such a file.
    """
    codec = enc.name
    decoder = codecs.getincrementaldecoder(codec)("strict")
    saw_c1 = False
    done = 0
    with open(path, "rb") as src, open(dest, "w", encoding="utf-8", newline="") as out:
        src.seek(enc.bom)
        done = enc.bom
        while True:
            chunk = src.read(CHUNK)
            plain = False
            if codec == "windows-1252" and chunk:
                # Without a byte in 0x80-0x9F the chunk reads the same as ISO-8859-1, whose
                # decoder is a plain copy, twice as fast.
                plain = chunk.translate(_C1_MARKS).find(1) < 0
                saw_c1 = saw_c1 or not plain
            try:
                text = chunk.decode("iso-8859-1") if plain else decoder.decode(
                    chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                line = _locate(path, done + exc.start)
                raise IngestError(
                    _("The file is not valid %(encoding)s: byte 0x%(byte)02X on line %(line)d "
                      "cannot be read. Choose the file's encoding and upload again.")
                    % {"encoding": enc.label, "byte": chunk[exc.start], "line": line},
                    "encoding", row=line) from None
            if "\x00" in text and not codec.startswith("utf-16"):
                raise IngestError(_("The file contains NUL bytes: it is not a text file."),
                                  "binary")
            out.write(text)
            done += len(chunk)
            if on_chunk:
                on_chunk(done)
            if not chunk:
                break
    if codec == "windows-1252" and not saw_c1 and enc.source != "publisher":
        return "iso-8859-1"
    return codec


def first_invalid_utf8(path: str, *, start: int = 0) -> int | None:
    """Byte offset of the first invalid UTF-8 sequence, streaming in large chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    done = start
    with open(path, "rb") as fh:
        fh.seek(start)
        while True:
            chunk = fh.read(CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return done + exc.start
            if not chunk:
                return None
            done += len(chunk)


def window(path: str, offset: int, size: int = 65536) -> bytes:
    """Bytes around ``offset``, starting on a line boundary when one is near."""
    with open(path, "rb") as fh:
        fh.seek(max(0, offset - size))
        data = fh.read(2 * size)
    cut = data.find(b"\n")
    return data[cut + 1:] if offset > size and 0 <= cut < size else data
