"""Print pages and source positions → the stamped proof PDF and its report."""
