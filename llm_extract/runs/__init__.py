"""Corpus runs: the output file and its resume, tables, OpenAI batch files, and the Ray engine."""
