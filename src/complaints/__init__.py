"""Complaints to children's services: metrics, statistics, audit and reports.

Rooms by pipeline stage, each importing only from the rooms below it (a layers contract in
pyproject.toml keeps it so): inputs (reading and checking), analysis (every number), reporting
(words, charts, report sections), synthetic (demonstration extracts), running (the main job and
the notebook batch), and the command line (cli) on top.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("complaints")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
