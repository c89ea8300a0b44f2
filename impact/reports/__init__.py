"""Rendering: numbers for people, tables, files and charts made from computed summaries."""
