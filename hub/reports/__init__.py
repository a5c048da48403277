"""Team reports: their SVG charts (``charts``) and their CSV and text tables (``formats``)
for the console's reports page and ``hub report``; the figures are read by
``hub.queries.reports``."""
