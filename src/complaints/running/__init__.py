"""Running: the main job and the machinery around it.

pipeline (inputs to analysis to the CSVs in outputs/), outputs (writing all or nothing), batch
(executing the report notebooks with papermill, in parallel, skipping what is unchanged), kernel
(the project's Jupyter kernel), logs (a log file per run) and bench (`make bench`).
"""
