"""The official forms to print or hand on: each as a PDF and as an Excel workbook."""

from __future__ import annotations

from io import BytesIO

from flask import send_file

from app.services import document_render, documents
from app.services.documents import Document
from app.web import web_blueprint as bp
from app.web.navigation import actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sent(document: Document, kind: str):
    if kind == "pdf":
        content, mimetype = document_render.pdf_bytes(document), "application/pdf"
    else:
        content, mimetype = document_render.workbook(document), XLSX
    return send_file(
        BytesIO(content),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"{document.filename}.{kind}",
    )


@bp.get("/projects/<int:project_id>/documents/targets.<any(pdf, xlsx):kind>")
def project_targets_document(project_id: int, kind: str):
    return _sent(documents.project_targets(actor(), project_id), kind)
