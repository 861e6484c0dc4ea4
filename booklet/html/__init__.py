"""Content model and assets → the book's HTML (Jinja2 templates, CJK spans)."""
