"""Source feeds: mappings, import runs, source records, rejected rows, the review queue,
merges, and the linkage model's versions and thresholds (§5 of the design)."""
