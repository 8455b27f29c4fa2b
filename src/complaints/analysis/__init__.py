"""Analysis: every number the project reports is computed here, from checked inputs.

Pure functions over DataFrames that return tables and values: no charts, no HTML, no sentences
(those are in complaints.reporting). resolve (one value per figure), stats (intervals and tests),
metrics (the metrics engine), audit (the documents against their own counts), workdays and
record_measures (complaint records into measures), spc and record_summaries (control charts and
before/after comparisons), comparability (what can be compared between councils).
"""
