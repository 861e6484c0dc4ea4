"""HTML of each part → laid-out parts with their folios, in parallel workers, remembered in a cache."""
