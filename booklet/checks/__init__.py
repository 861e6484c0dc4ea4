"""Content model → editorial and font-coverage findings (nothing is changed)."""
