"""`booklet new FOLDER`: a small working booklet project, in one of the languages, that builds at once.

What it writes: booklet.yaml (every field, commented), two chapters that show the main block types,
styles/custom.css (the project's override layer: the package's theme stays the base and is not copied),
assets/photos/ (the photos the figures name; until they are there, placeholders are printed) and a
.gitignore. It never writes into a folder that already holds files.
"""

from __future__ import annotations

from pathlib import Path

from booklet.content.languages import LANGUAGES
from booklet.core.files import write_whole
from booklet.core.findings import BuildError

STARTER_LANGUAGES = ("zh-Hant", "zh-Hans", "pt", "en")

EDITION = """\
# The edition file: what the booklet is and which chapters it has, in reading order.
# Paths are relative to this folder. Build it with `booklet` (or `python build.py`) → dist/booklet.pdf.
title: {title}                      # on the cover, the colophon and the PDF's metadata
subtitle: {subtitle}                # optional: under the title
year: {year}                        # printed on the cover
language: {language}                # zh-Hant, zh-Hans, pt, pt-PT, pt-BR, en, en-GB or en-US
# languages: [{language}, {other}]  # a bilingual edition: every text in both, the second below the first;
#                                   # give a text per language as {{{language}: …, {other}: …}} or translate
#                                   # a chapter beside it (`booklet translate {other}`, docs/languages.md)
# missing_translations: source      # print the source text where a translation is missing (marked in the proof)
edition: {edition}                  # the edition's name, printed in the colophon
date: {date}                        # publication date (YYYY-MM-DD): also the PDF's creation date
printing_history:                   # the colophon's lines, one per edition
  - {history}
# isbn: 978-…                       # printed in the colophon and as a barcode on the back cover
subject: {subject}                  # the PDF's description
keywords: [{keywords}]              # the PDF's keywords
# publisher: …                      # the PDF's author
organisers:                         # the cover's and the colophon's list of organisers
  - role: {role}
    names: [{organiser}]
trim: {{width: 210mm, height: 297mm}} # page size (A4); any CSS length in mm, cm, in, pt
bleed: 3mm                          # the press PDF's bleed
fonts:                              # the faces, named explicitly (`fc-list : family` lists those installed)
  body: {body}
  heading: {heading}
# profile: print                    # the default output: print, screen or proof (flags choose too)
# page_multiple: 4                  # the press PDF's page count is rounded up to a multiple of 4, 8 or 16
chapters:
  - chapters/01-{first}.yaml
  - chapters/02-{second}.yaml
"""

CHAPTER_1 = """\
# A chapter: its number, its title and its blocks (docs/content-format.md lists every block type).
number: 1
title: {c1_title}
blocks:
  - lead: {lead}
  - paragraph: {p1}
  - paragraph: {p2}
  - figure:
      image: assets/photos/01-opening.jpg   # put the photo here; until then a placeholder is printed
      caption: {fig_caption}
      alt: {fig_caption}                    # what the picture shows, for readers who cannot see it
      credit: {credit}
  - key_figures:
      items:
        - {{number: 24, unit: {unit_items}, label: {kf1}}}
        - {{number: 3, unit: {unit_rooms}, label: {kf2}}}
        - {{number: 12, unit: {unit_days}, label: {kf3}}}
  - quote:
      text: {quote}
      speaker: {speaker}
"""

CHAPTER_2 = """\
number: 2
title: {c2_title}
blocks:
  - paragraph: {p3}
sections:                 # a chapter may have sections, each with its own blocks
  - title: {s1_title}
    blocks:
      - heading: {heading_text}
      - paragraph: {p4}
      - gallery:
          columns: 2
          images:
            - {{image: assets/photos/02-room-1.jpg, caption: {g1}, alt: {g1}}}
            - {{image: assets/photos/02-room-2.jpg, caption: {g2}, alt: {g2}}}
  - title: {s2_title}
    blocks:
      - table:
          title: {table_title}
          columns: [{col1}, {col2}]
          rows:
            - [{r1a}, {r1b}]
            - [{r2a}, {r2b}]
      - chart:
          type: timeline
          title: {timeline_title}
          events:
            - {{date: {d1}, label: {e1}}}
            - {{date: {d2}, label: {e2}}}
            - {{date: {d3}, label: {e3}}}
"""

CUSTOM_CSS = """\
/* The project's own styles, added after the package's theme (which is not copied here).
   Override what you need; a file named like a theme file (variables.css, type.css, …) replaces it.
   The theme's variables are listed in the package's styles/variables.css, e.g.: */
/* :root { --color-accent: device-cmyk(0 0.9 0.7 0.3); } */
"""

GITIGNORE = "dist/\n.cache/\n"

TEXTS = {
    "zh-Hant": {
        "title": "城市記憶 影像展",
        "subtitle": "展覽圖冊",
        "edition": "初版",
        "history": "2025年5月初版",
        "subject": "城市記憶影像展展覽圖冊",
        "keywords": "展覽, 圖冊",
        "role": "主辦單位",
        "organiser": "示例文化協會",
        "first": "introduction",
        "second": "exhibition",
        "c1_title": "前言",
        "lead": "這是一本新圖冊的起點：換上你的文字和照片，再建置一次。",
        "p1": "每一章是一個 YAML 檔案，內容由區塊組成：段落、圖片、表格、引文等。段落文字兩端對齊，標點按中文排版規則處理。",
        "p2": "照片放在 assets/photos/ 資料夾內，檔名與圖片區塊所寫的一致；照片未到位時，先印出佔位框。",
        "fig_caption": "展覽開幕（示例圖說）",
        "credit": "攝影：示例",
        "unit_items": "件",
        "unit_rooms": "個",
        "unit_days": "天",
        "kf1": "展品",
        "kf2": "展廳",
        "kf3": "展期",
        "quote": "記憶是城市的另一張地圖。",
        "speaker": "策展人",
        "c2_title": "展覽",
        "p3": "第二章示範分節、小標題、圖組、表格與時間線。",
        "s1_title": "展廳",
        "heading_text": "第一展廳",
        "p4": "圖組把兩張照片並排，每張照片各有圖說。",
        "g1": "第一展廳",
        "g2": "第二展廳",
        "s2_title": "資料",
        "table_title": "展品一覽",
        "col1": "類別",
        "col2": "數量",
        "r1a": "照片",
        "r1b": "18",
        "r2a": "文獻",
        "r2b": "6",
        "timeline_title": "籌備經過",
        "d1": "2025年1月",
        "e1": "開始籌備",
        "d2": "2025年3月",
        "e2": "徵集展品",
        "d3": "2025年5月",
        "e3": "開幕",
    },
    "pt": {
        "title": "Memória da Cidade",
        "subtitle": "Catálogo da exposição",
        "edition": "1.ª edição",
        "history": "1.ª edição, maio de 2025",
        "subject": "Catálogo da exposição Memória da Cidade",
        "keywords": "exposição, catálogo",
        "role": "Organização",
        "organiser": "Associação Cultural Exemplo",
        "first": "introducao",
        "second": "exposicao",
        "c1_title": "Introdução",
        "lead": "Este é o ponto de partida de um novo catálogo: ponha os seus textos e fotografias e construa-o outra vez.",
        "p1": 'Cada capítulo é um ficheiro YAML feito de blocos: parágrafos, figuras, tabelas, citações. O texto corrido é justificado e hifenizado segundo as regras do português, e as aspas "direitas" tornam-se as da língua.',
        "p2": "As fotografias ficam na pasta assets/photos/, com o nome que o bloco da figura indica; enquanto não chegam, imprime-se um marcador no seu lugar, com o nome do ficheiro esperado.",
        "fig_caption": "Inauguração da exposição (legenda de exemplo)",
        "credit": "Fotografia: Exemplo",
        "unit_items": "peças",
        "unit_rooms": "salas",
        "unit_days": "dias",
        "kf1": "Peças expostas",
        "kf2": "Salas",
        "kf3": "Duração",
        "quote": "A memória é o outro mapa da cidade.",
        "speaker": "A curadora",
        "c2_title": "A exposição",
        "p3": "O segundo capítulo mostra secções, subtítulos, galerias, tabelas e uma cronologia.",
        "s1_title": "As salas",
        "heading_text": "Primeira sala",
        "p4": "Uma galeria põe duas fotografias lado a lado, cada uma com a sua legenda.",
        "g1": "Primeira sala",
        "g2": "Segunda sala",
        "s2_title": "Dados",
        "table_title": "Peças por tipo",
        "col1": "Tipo",
        "col2": "Número",
        "r1a": "Fotografias",
        "r1b": "18",
        "r2a": "Documentos",
        "r2b": "6",
        "timeline_title": "Preparação",
        "d1": "2025-01",
        "e1": "Início",
        "d2": "2025-03",
        "e2": "Recolha das peças",
        "d3": "2025-05",
        "e3": "Inauguração",
    },
    "en": {
        "title": "City Memories",
        "subtitle": "Exhibition catalogue",
        "edition": "First edition",
        "history": "First edition, May 2025",
        "subject": "Catalogue of the exhibition City Memories",
        "keywords": "exhibition, catalogue",
        "role": "Organised by",
        "organiser": "Example Cultural Association",
        "first": "introduction",
        "second": "exhibition",
        "c1_title": "Introduction",
        "lead": "This is the starting point of a new catalogue: put in your own texts and photographs, and build it again.",
        "p1": 'Each chapter is a YAML file made of blocks: paragraphs, figures, tables, quotations. Running text is justified and hyphenated by the rules of English, and "straight" quotation marks become curly ones.',
        "p2": "Photographs go into the folder assets/photos/, named as the figure block says; until they arrive, a marked placeholder with the expected file name is printed in their place.",
        "fig_caption": "The opening of the exhibition (a sample caption)",
        "credit": "Photograph: Example",
        "unit_items": "objects",
        "unit_rooms": "rooms",
        "unit_days": "days",
        "kf1": "Objects on show",
        "kf2": "Rooms",
        "kf3": "Duration",
        "quote": "Memory is the city's other map.",
        "speaker": "The curator",
        "c2_title": "The exhibition",
        "p3": "The second chapter shows sections, headings, galleries, tables and a timeline.",
        "s1_title": "The rooms",
        "heading_text": "The first room",
        "p4": "A gallery sets two photographs side by side, each with its own caption.",
        "g1": "The first room",
        "g2": "The second room",
        "s2_title": "Facts",
        "table_title": "Objects by kind",
        "col1": "Kind",
        "col2": "Number",
        "r1a": "Photographs",
        "r1b": "18",
        "r2a": "Documents",
        "r2b": "6",
        "timeline_title": "Preparation",
        "d1": "2025-01",
        "e1": "Start",
        "d2": "2025-03",
        "e2": "Objects collected",
        "d3": "2025-05",
        "e3": "Opening",
    },
}


def _texts(language: str) -> dict[str, str]:
    if language == "zh-Hans":  # the Traditional starter, converted (content/script.py's converter)
        from booklet.content.script import opencc_converter

        convert = opencc_converter("hk2s")
        return {k: v if k in ("first", "second") else convert(v) for k, v in TEXTS["zh-Hant"].items()}
    return dict(TEXTS[language])


def _yaml_scalar(text: str) -> str:
    """A text as a double-quoted YAML scalar (safe for any character)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def new_project(folder: Path, language: str = "zh-Hant") -> list[Path]:
    """Write the starter project into `folder` (made if missing, refused if it holds files)."""
    if language not in STARTER_LANGUAGES:
        raise BuildError(f"--language must be one of {', '.join(STARTER_LANGUAGES)}, not {language!r}", 2)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BuildError(f"{folder} is not an empty folder; `new` writes only into a new or empty one", 2)
    texts = _texts(language)
    quoted = {k: v if k in ("first", "second") else _yaml_scalar(v) for k, v in texts.items()}
    quoted["keywords"] = ", ".join(_yaml_scalar(k.strip()) for k in texts["keywords"].split(","))
    chosen = LANGUAGES[language]
    edition = EDITION.format(
        **quoted,
        year=2025,
        date="2025-05-01",
        language=language,
        other="pt" if not chosen.latin else "zh-Hant",
        body=chosen.body,
        heading=chosen.heading,
    )
    files = {
        "booklet.yaml": edition,
        f"chapters/01-{texts['first']}.yaml": CHAPTER_1.format(**quoted),
        f"chapters/02-{texts['second']}.yaml": CHAPTER_2.format(**quoted),
        "styles/custom.css": CUSTOM_CSS,
        "assets/photos/README.txt": "Photographs the chapters name go here (e.g. 01-opening.jpg).\n",
        ".gitignore": GITIGNORE,
    }
    written = []
    for name, text in files.items():
        path = folder / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_whole(path, text.encode())
        except OSError as exc:
            raise BuildError(f"cannot write {path}: {exc.strerror}", 4) from None
        written.append(path)
    return written
