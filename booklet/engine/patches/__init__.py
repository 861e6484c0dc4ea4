"""Patches to WeasyPrint: CJK justification and one-pass font subsets."""
