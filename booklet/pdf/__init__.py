"""Laid-out parts → one PDF: joined, press-finished, preflighted, audited, with its manifest."""
