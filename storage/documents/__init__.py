"""Printed documents: PDF rendering of the document data built in ``core.documents``."""

from storage.documents.fonts import FontSet, load_fonts
from storage.documents.writer import INDEX_HEADER, PdfDocumentWriter

__all__ = ["PdfDocumentWriter", "FontSet", "load_fonts", "INDEX_HEADER"]
