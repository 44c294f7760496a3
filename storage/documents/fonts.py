"""Japanese fonts for the printed documents.

A TrueType font is embedded (subset) in every PDF so that the documents print
and extract the same everywhere. The font comes from the ``font_path`` setting
(``nozei.toml`` / ``NOZEI_FONT_PATH``) or, when it is not set, from the first of
the Debian fonts below that is installed (``fonts-ipaexfont`` first; also
``fonts-ipafont``, ``fonts-takao``, ``fonts-vlgothic``). A 明朝 face is used for
the text and a ゴシック face for titles when both exist.

``fonts-noto-cjk`` cannot be embedded: its faces have PostScript (CFF) outlines,
which reportlab does not read — pointing ``font_path`` at one is refused with a
message saying so.

Without any Japanese TrueType font the documents fall back to the PDF standard
Japanese fonts (``HeiseiMin-W3`` / ``HeiseiKakuGo-W5``), which are *not*
embedded: the text extracts correctly, but its look depends on the viewer or
printer. :attr:`FontSet.embedded` says which case applies, and the command line
warns.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from core.errors import ValidationError

__all__ = ["FontSet", "load_fonts", "MINCHO_FONTS", "GOTHIC_FONTS", "GETA"]

#: Searched in order when ``font_path`` is not set.
MINCHO_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
    "/usr/share/fonts/truetype/ipaexfont-mincho/ipaexm.ttf",
    "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf",
    "/usr/share/fonts/truetype/takao-mincho/TakaoMincho.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-mincho.ttf",
)
GOTHIC_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/takao-gothic/TakaoGothic.ttf",
    "/usr/share/fonts/truetype/vlgothic/VL-Gothic-Regular.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
)
#: 〓 (ゲタ): printed for a character the font has no glyph for (外字), as municipal systems do.
GETA = "〓"

_lock = threading.Lock()
_registered: dict[str, tuple[str, frozenset[int] | None]] = {}


@dataclass(frozen=True)
class FontSet:
    body: str  # reportlab font name of the text face
    heading: str  # … of the title face
    embedded: bool
    paths: tuple[str, ...] = ()
    _glyphs: dict[str, frozenset[int] | None] = field(default_factory=dict, repr=False, compare=False)

    def clean(self, text: str, font: str | None = None) -> str:
        """*text* as it can be printed: control characters dropped, characters the font lacks as 〓."""
        name = font or self.body
        _GLYPHS.setdefault(name, self._glyphs.get(name))
        return _clean(name, text)


#: Font name → the code points it has a glyph for (None: a CID font, not checked).
_GLYPHS: dict[str, frozenset[int] | None] = {}


@lru_cache(maxsize=8192)
def _clean(font: str, text: str) -> str:
    glyphs = _GLYPHS.get(font)
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        out.append(ch if glyphs is None or ord(ch) in glyphs or ch == " " else GETA)
    return "".join(out)


def _register_ttf(path: str) -> tuple[str, frozenset[int] | None]:
    with _lock:
        if path in _registered:
            return _registered[path]
        name = f"NZ{len(_registered) + 1}-{Path(path).stem}"
        try:
            font = TTFont(name, path)
        except TTFError as exc:
            if "postscript outlines" in str(exc):
                raise ValidationError(
                    f"フォント {path} はPostScript（CFF）アウトラインのため埋め込めません"
                    "（fonts-noto-cjk など）。TrueTypeの日本語フォント（fonts-ipaexfont の ipaexm.ttf など）を"
                    "設定 font_path に指定してください", field="font_path") from None
            raise ValidationError(f"フォント {path} を読み込めません: {exc}", field="font_path") from None
        except OSError as exc:
            raise ValidationError(f"フォント {path} を読み込めません: {exc.strerror}", field="font_path") from None
        pdfmetrics.registerFont(font)
        glyphs = frozenset(font.face.charToGlyph)
        if not {ord("納"), ord("税"), ord("あ")} <= glyphs:
            raise ValidationError(f"フォント {path} は日本語の文字を含みません。日本語フォントを指定してください",
                                  field="font_path")
        _registered[path] = (name, glyphs)
        return _registered[path]


def _first(paths: tuple[str, ...]) -> str | None:
    return next((p for p in paths if Path(p).is_file()), None)


def load_fonts(font_path: Path | str | None = None) -> FontSet:
    """The fonts to print with (see the module docstring); a bad ``font_path`` is a clear error."""
    if font_path:
        path = Path(font_path)
        if not path.is_file():
            raise ValidationError(f"設定 font_path のフォントファイルがありません: {path}", field="font_path")
        body, glyphs = _register_ttf(str(path))
        gothic = _first(GOTHIC_FONTS)
        heading, hglyphs = _register_ttf(gothic) if gothic else (body, glyphs)
        return FontSet(body, heading, True, (str(path),) + ((gothic,) if gothic else ()),
                       {body: glyphs, heading: hglyphs})
    mincho, gothic = _first(MINCHO_FONTS), _first(GOTHIC_FONTS)
    if mincho or gothic:
        body, glyphs = _register_ttf(mincho or gothic)  # type: ignore[arg-type]
        heading, hglyphs = _register_ttf(gothic) if gothic else (body, glyphs)
        return FontSet(body, heading, True, tuple(p for p in (mincho, gothic) if p), {body: glyphs, heading: hglyphs})
    with _lock:
        for cid in ("HeiseiMin-W3", "HeiseiKakuGo-W5"):
            if cid not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(UnicodeCIDFont(cid))
    return FontSet("HeiseiMin-W3", "HeiseiKakuGo-W5", False, (), {"HeiseiMin-W3": None, "HeiseiKakuGo-W5": None})
