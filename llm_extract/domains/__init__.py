"""Domain packs: each a schema with its codebook (word lists as data, rules, checks) and templates.

Generic code never imports from here; a schema reaches the pipeline through the registry."""
