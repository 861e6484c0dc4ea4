"""Edition and chapter YAML → a validated, located content model (editions merged, zh-Hans converted)."""
