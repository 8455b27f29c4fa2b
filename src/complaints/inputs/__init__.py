"""Inputs: where files are, reading them, and checking every cell before anything is computed.

paths (the one place that knows where files live), problems and tables (every problem in a file,
with its file, line and column), years (financial years), definitions (measures, metrics, source
documents, council configuration), published (figures transcribed from council documents, and
learning actions) and records (complaint extracts mapped onto one schema).
"""
