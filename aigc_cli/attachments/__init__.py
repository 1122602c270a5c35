"""Attachments (issue #22): files, URLs and stdin sent with a turn.

What an attachment becomes is decided by its bytes (``detect.py``), never its
name: images are prepared with Pillow (``image.py``: EXIF orientation applied,
all metadata stripped, downscaled), PDFs give their text page by page and
their scanned pages as images (``pdf.py``), web pages their readable text
(``aigc_cli/webpage.py``), audio a transcript from the backend
(``Backend.transcribe``), text files their text. ``load.py`` turns what the
user named into ``Attachment`` values before anything is sent; ``stage.py``
is the turn's attachment stage (capability check, image parts on the user
message, earlier images resent with ``-c``). Pillow, pypdf, pypdfium2 and
trafilatura are imported inside the functions that use them, so ``aigc
--help`` never pays for them. The core stays UI-free: errors are raised as
``aigc_cli.errors`` classes with their exit codes.
"""
