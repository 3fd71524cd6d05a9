"""The one way Haven prints a PDF: posters, survey code slips, survey results, case files.

WeasyPrint lays pages out with Pango, which draws each script with a font that fontconfig
finds. A script without a font prints as empty boxes, silently. So before printing, each
language the page declares (its ``lang`` attributes) is looked up in fontconfig, once per
language and process, and a missing one is logged with the Debian package that adds it.
"""

import ctypes
import ctypes.util
import functools
import logging
import re

logger = logging.getLogger(__name__)

LANG_ATTRIBUTE = re.compile(r"""\blang=["']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)""")
CJK = {"zh", "ja", "ko"}


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only PDFs need

    for language in page_languages(html):
        font_missing(language)
    # No base URL: Haven's PDFs refer to no file or address that WeasyPrint would fetch.
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def page_languages(html: str) -> set[str]:
    return {match.lower().replace("_", "-") for match in LANG_ATTRIBUTE.findall(html)}


def fontconfig_language(language: str) -> str:
    """Django's language code as fontconfig spells it: fontconfig tells Chinese by region
    (zh-cn, zh-tw), not by script (zh-hans), and knows the rest by the language alone."""
    tags = language.lower().replace("_", "-").split("-")
    if tags[0] == "zh":
        return "zh-tw" if {"hant", "tw", "hk", "mo"} & set(tags[1:]) else "zh-cn"
    return tags[0]


def debian_package(language: str) -> str:
    """The Debian package with Noto fonts for the language."""
    return "fonts-noto-cjk" if language.lower()[:2] in CJK else "fonts-noto-core"


def font_missing(language: str) -> bool:
    """True, and a warning in the log, when no installed font covers ``language``."""
    return _font_missing(fontconfig_language(language))


@functools.cache
def _font_missing(fc_language: str) -> bool:
    known, fonts = fontconfig_fonts(fc_language)
    if not known or fonts:  # a language fontconfig does not know: nothing to say
        return False
    package = debian_package(fc_language)
    logger.warning(
        "No installed font covers the language %s (as fontconfig names it): PDFs in it print "
        "as empty boxes. Install the Debian package %s (apt-get install %s), then restart Haven.",
        fc_language,
        package,
        package,
    )
    return True


class _FontSet(ctypes.Structure):
    _fields_ = [("nfont", ctypes.c_int), ("sfont", ctypes.c_int), ("fonts", ctypes.c_void_p)]


@functools.cache
def _fontconfig() -> ctypes.CDLL:
    # The library Pango itself finds fonts with (WeasyPrint needs it): same configuration,
    # same fonts, FONTCONFIG_FILE included.
    lib = ctypes.CDLL(ctypes.util.find_library("fontconfig") or "libfontconfig.so.1")
    lib.FcNameParse.restype = ctypes.c_void_p
    lib.FcNameParse.argtypes = [ctypes.c_char_p]
    lib.FcObjectSetCreate.restype = ctypes.c_void_p
    lib.FcObjectSetAdd.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.FcFontList.restype = ctypes.POINTER(_FontSet)
    lib.FcFontList.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.FcLangGetCharSet.restype = ctypes.c_void_p
    lib.FcLangGetCharSet.argtypes = [ctypes.c_char_p]
    for destroy in ("FcPatternDestroy", "FcObjectSetDestroy", "FcFontSetDestroy"):
        getattr(lib, destroy).argtypes = [ctypes.c_void_p]
    lib.FcInit()
    return lib


def fontconfig_fonts(fc_language: str) -> tuple[bool, int]:
    """Whether fontconfig knows the language, and how many installed fonts cover it: what
    ``fc-list :lang=<language>`` counts."""
    fc = _fontconfig()
    name = fc_language.encode()
    if not fc.FcLangGetCharSet(name):
        return False, 0
    pattern = fc.FcNameParse(b":lang=" + name)
    objects = fc.FcObjectSetCreate()
    fc.FcObjectSetAdd(objects, b"family")
    fonts = fc.FcFontList(None, pattern, objects)
    try:
        return True, fonts.contents.nfont if fonts else 0
    finally:
        if fonts:
            fc.FcFontSetDestroy(ctypes.cast(fonts, ctypes.c_void_p))
        fc.FcObjectSetDestroy(objects)
        fc.FcPatternDestroy(pattern)
