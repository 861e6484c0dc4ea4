"""Content model, assets and the print layout's folios → the reader editions: a static web site and an EPUB 3."""
