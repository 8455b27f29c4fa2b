"""Synthetic complaint extracts: generated, calibrated to the published figures, labelled synthetic.

`python -m complaints.synthetic` regenerates the shipped extracts in data/records/ (generate.py);
exports.py writes canonical rows in a council's own export format.
"""
