"""Composing the answer from the evidence: the sentence picker, the checks table, citations."""
