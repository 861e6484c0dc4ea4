"""Layer 0, under every stage: findings, files written whole, hashes, stamps, fonts, processes, profiles."""
