"""Printable reports (PDF via WeasyPrint) built from the analytics stages' JSON-ready output."""
