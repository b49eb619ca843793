"""Models: ids, the catalog and its families, tokens, cost, routing profiles."""
