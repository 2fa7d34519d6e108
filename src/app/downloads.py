"""How an official document leaves over HTTP, for the pages and the API alike: as a PDF
or an Excel attachment named after it (`kind` is "pdf" or "xlsx"; another is a 404)."""

from __future__ import annotations

from io import BytesIO

from flask import send_file

from app.services.documents import render as document_render
from app.services.documents.document import Document


def document_download(document: Document, kind: str):
    content, mimetype, filename = document_render.document_file(document, kind)
    return send_file(
        BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename
    )
