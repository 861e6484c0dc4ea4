"""The languages a booklet can be written and printed in, and the one table of the templates' fixed words.

A language tag is a BCP 47 tag as the edition writes it (`language: pt-PT`); it goes into the
HTML's `lang` attributes, which choose WeasyPrint's hyphenation dictionary (Pyphen's `pt_PT`,
`pt_BR`, `en_GB`, …) and the theme's `:lang()` rules (the Latin faces, hyphens, word spacing).

`WORDS` holds every word and mark the templates print that is not content: the contents title,
the chapter and section numbers' marks, the colophon's separators, the placeholders' labels.
Any output (the print templates, a web or EPUB template) reads them through `words(tag)`.
Chinese words are written in Traditional script: a zh-Hans edition converts them with its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LanguageTag = Literal["zh-Hant", "zh-Hans", "pt", "pt-PT", "pt-BR", "en", "en-GB", "en-US"]
TAGS: tuple[str, ...] = LanguageTag.__args__  # type: ignore[attr-defined]

CHINESE_DIGITS = "〇一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 21 → 二十一 (1–99)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CHINESE_DIGITS[tens] if tens > 1 else "") + "十" + (CHINESE_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Language:
    tag: str
    script: Literal["cjk", "latin"]
    body: str  # the default faces, named explicitly (fontconfig resolves them; the font check verifies)
    heading: str
    quotes: tuple[str, str, str, str]  # outer open/close, inner open/close

    @property
    def base(self) -> str:
        """pt-PT → pt, zh-Hant → zh."""
        return self.tag.split("-")[0]

    @property
    def latin(self) -> bool:
        return self.script == "latin"

    def numeral(self, n: int) -> str:
        return chinese_numeral(n) if self.script == "cjk" else str(n)

    def section_numeral(self, chapter: int, section: int) -> str:
        """The number a section prints: （一） in Chinese, 4.1 in a Latin-script booklet."""
        return chinese_numeral(section) if self.script == "cjk" else f"{chapter}.{section}"


_LATIN = ("Noto Serif", "Noto Sans")
LANGUAGES: dict[str, Language] = {
    "zh-Hant": Language("zh-Hant", "cjk", "Noto Serif CJK TC", "Noto Sans CJK TC", ("「", "」", "『", "』")),
    "zh-Hans": Language("zh-Hans", "cjk", "Noto Serif CJK SC", "Noto Sans CJK SC", ("“", "”", "‘", "’")),
    "pt": Language("pt", "latin", *_LATIN, ("«", "»", "“", "”")),
    "pt-PT": Language("pt-PT", "latin", *_LATIN, ("«", "»", "“", "”")),
    "pt-BR": Language("pt-BR", "latin", *_LATIN, ("“", "”", "‘", "’")),
    "en": Language("en", "latin", *_LATIN, ("“", "”", "‘", "’")),
    "en-GB": Language("en-GB", "latin", *_LATIN, ("‘", "’", "“", "”")),
    "en-US": Language("en-US", "latin", *_LATIN, ("“", "”", "‘", "’")),
}

# The fixed words, by language base (pt-PT and pt-BR share pt's). `{n}` is a number.
_ZH = {
    "contents": "目錄",
    "chapter_mark": "{n}．",  # before a chapter's title in the contents and the bookmarks
    "section_mark": "（{n}）",  # before a section's title
    "year": "年",  # after the year in the colophon
    "role_mark": "：",  # after an organiser's role in the colophon
    "names_join": "、",  # between the names of one role in the colophon
    "cover_names_join": "　",  # … on the cover
    "edition_join": "　",  # between the edition's name and its date
    "clause_join": "，",  # between a leader's date and occasion
    "speaker_mark": "——",  # before a quote's speaker
    "partial": "（部分）",
    "inscribed": "題辭",
    "time": "時間：",
    "source": "來源：",
    "figure": "圖",
    "missing_image": "缺圖",
    "invalid_image": "圖片無效",
    "reserved_page": "版面預留",
    "reserved_page_note": "初版此頁為照片版面；照片到位後，此頁由內容填滿。",
    "untranslated": "未翻譯",
    # the alternative text generated for drawn art (assets/art/describe.py)
    "bar_chart": "長條圖",
    "stacked_bar_chart": "堆疊長條圖",
    "timeline_chart": "時間線",
    "map": "地圖",
    "qr_code": "二維碼，連結至",
    "photo": "照片",
    "list_sep": "；",
    "sentence_end": "。",
    "total": "合計",
    # the reader editions (booklet/reader/): the web site and the EPUB
    "skip_to_text": "跳至正文",
    "previous": "上一章",
    "next": "下一章",
    "home": "導覽",
    "chapter_pages": "章節導覽",
    "sections": "本章各節",
    "page_list": "頁碼",
    "photo_missing": "（照片從缺）",
    "cover": "封面",
    "accessibility_summary": "本電子書依內容結構編排，標題層級分明；所有照片、地圖和圖表均附文字說明，"
    "圖表的數據亦以文字列出；頁碼與印刷版相同。",
}
_PT = {
    "contents": "Índice",
    "chapter_mark": "{n}. ",
    "section_mark": "{n} ",
    "year": "",
    "role_mark": ": ",
    "names_join": ", ",
    "cover_names_join": " · ",
    "edition_join": ", ",
    "clause_join": ", ",
    "speaker_mark": "— ",
    "partial": " (excerto)",
    "inscribed": "(dedicatória)",
    "time": "Data: ",
    "source": "Fonte: ",
    "figure": "Fig.",
    "missing_image": "Imagem em falta",
    "invalid_image": "Imagem inválida",
    "reserved_page": "Página reservada",
    "reserved_page_note": "Esta página fica reservada para fotografias; quando chegarem, o conteúdo preenche-a.",
    "untranslated": "por traduzir",
    "bar_chart": "Gráfico de barras",
    "stacked_bar_chart": "Gráfico de barras empilhadas",
    "timeline_chart": "Cronologia",
    "map": "Mapa",
    "qr_code": "Código QR com ligação para",
    "photo": "Fotografia",
    "list_sep": "; ",
    "sentence_end": ".",
    "total": "total",
    "skip_to_text": "Saltar para o texto",
    "previous": "Capítulo anterior",
    "next": "Capítulo seguinte",
    "home": "Navegação",
    "chapter_pages": "Navegação entre capítulos",
    "sections": "Secções deste capítulo",
    "page_list": "Páginas",
    "photo_missing": "(fotografia em falta)",
    "cover": "Capa",
    "accessibility_summary": "Livro estruturado com títulos hierarquizados; todas as fotografias, mapas e "
    "gráficos têm descrição em texto, e os dados dos gráficos são lidos por extenso; a paginação é a da edição impressa.",
}
_EN = {
    "contents": "Contents",
    "chapter_mark": "{n}. ",
    "section_mark": "{n} ",
    "year": "",
    "role_mark": ": ",
    "names_join": ", ",
    "cover_names_join": " · ",
    "edition_join": ", ",
    "clause_join": ", ",
    "speaker_mark": "— ",
    "partial": " (excerpt)",
    "inscribed": "(inscription)",
    "time": "Date: ",
    "source": "Source: ",
    "figure": "Fig.",
    "missing_image": "Missing image",
    "invalid_image": "Invalid image",
    "reserved_page": "Reserved page",
    "reserved_page_note": "This page is reserved for photographs; when they arrive, the content fills it.",
    "untranslated": "untranslated",
    "bar_chart": "Bar chart",
    "stacked_bar_chart": "Stacked bar chart",
    "timeline_chart": "Timeline",
    "map": "Map",
    "qr_code": "QR code linking to",
    "photo": "Photograph",
    "list_sep": "; ",
    "sentence_end": ".",
    "total": "total",
    "skip_to_text": "Skip to the text",
    "previous": "Previous chapter",
    "next": "Next chapter",
    "home": "Navigation",
    "chapter_pages": "Chapter navigation",
    "sections": "Sections of this chapter",
    "page_list": "Pages",
    "photo_missing": "(photograph missing)",
    "cover": "Cover",
    "accessibility_summary": "Structured with nested headings; every photograph, map and chart has a text "
    "description, and the charts' data are read out in full; the page numbers are the printed edition's.",
}
WORDS: dict[str, dict[str, str]] = {"zh": _ZH, "pt": _PT, "en": _EN}


def language(tag: str) -> Language:
    return LANGUAGES[tag]


def words(tag: str) -> dict[str, str]:
    """The fixed words of the templates in language `tag` (a copy: a conversion may rewrite it)."""
    return dict(WORDS[LANGUAGES[tag].base])


def text_for(values: dict[str, object], tag: str) -> object | None:
    """The value of a per-language mapping for `tag`: the exact tag, then its base (pt-PT → pt), then any
    regional form of the same base (pt → pt-PT), then, for zh-Hans, the Traditional text it is converted from."""
    if tag in values:
        return values[tag]
    base = tag.split("-")[0]
    if base in values:
        return values[base]
    for key in values:
        if key.split("-")[0] == base and base != "zh":
            return values[key]
    if tag == "zh-Hans" and "zh-Hant" in values:
        return values["zh-Hant"]
    return None


def is_language_map(value: object) -> bool:
    """A mapping every key of which is a language tag: a text given per language."""
    return isinstance(value, dict) and bool(value) and all(isinstance(k, str) and k in TAGS for k in value)
