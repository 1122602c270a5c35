"""Knowledge bases: index the user's own files and retrieve passages for a question.

``files`` finds what to index, ``extract`` turns a file into text, ``chunk``
cuts the text into passages, ``index`` keeps them in a per-base SQLite file
with full-text (and optional vector) indexes, ``sync`` brings an index up to
date incrementally, ``retrieve`` ranks passages for a query and ``answer``
puts them into a request as delimited, cited material.
"""
