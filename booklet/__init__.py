"""booklet: per-chapter YAML content and images → print-ready catalogue PDF."""

__version__ = "0.1.0"
