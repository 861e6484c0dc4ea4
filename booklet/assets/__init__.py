"""Content model → checked images, photos converted for the profile, and drawn art (charts, map, codes)."""
