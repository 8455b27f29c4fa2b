"""Reporting: words, charts, report sections and the index, built from the analysis' outputs.

narrative (sentences), charts, spc_charts and benchmark_charts (pictures with alt text and their
numbers), html (the pieces every page shares), council_report and benchmark_report (the sections
the notebooks show) and index_page (outputs/index.html).
"""
