"""One file per schema change, oldest first (``0001_…``, ``0002_…``)."""
