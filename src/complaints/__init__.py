"""Complaints to children's services: metrics, statistics, audit and reports."""
