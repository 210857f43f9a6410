"""Exports as CSV: cells safe to open in a spreadsheet (cells.py) and the tickets' export
(tickets.py), streamed page by page so that a desk of any size is never held in memory."""
