"""Renderers of a ReportDocument: the page's chart data, CSV, XLSX and PDF. They format what the
document holds and compute no figure, so the page and every export carry the same numbers."""
