"""Importing customers and orders from CSV files (``hub import``; columns in docs/import.md).

``run.import_csv`` drives an import batch by batch; ``rows`` parses and checks one row
and writes it through the regular actions; ``bulk`` writes the rows that touch nothing
existing together, set-based.
"""

from hub.csv_import.rows import KINDS, ImportResult
from hub.csv_import.run import import_csv

__all__ = ["KINDS", "ImportResult", "import_csv"]
