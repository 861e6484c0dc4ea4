"""Content model and theme palette → SVG art: charts, the location map, the cover, QR and ISBN codes."""
