"""`aigc image`: pictures from a prompt (or an edit of one), saved, stored and priced (issue #24).

files.py names and writes the PNGs (never over an existing file); draw.py is
the core call: checks, the backend's images API, the files, the history.
"""
