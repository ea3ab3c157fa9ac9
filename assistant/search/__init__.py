"""Finding the evidence: the index layout, the loaded Library, BM25 and dense search, fusion, re-scoring."""
