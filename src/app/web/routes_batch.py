"""Batch filling of quarterly monitoring reports: the list, the Excel template, the upload.

The list lives in `services.registry.batch_monitoring`, the checking and submitting in
`services.registry.batch_upload`, the template in `services.registry.batch_template`; these
routes only carry the file in and render what it found.
"""

from __future__ import annotations

from io import BytesIO

from flask import render_template, request, send_file

from app.services.foundation.errors import BadRequest
from app.services.foundation.uploads import workbook_limits
from app.services.registry import batch_upload
from app.services.registry.batch_monitoring import monitoring_batch
from app.services.registry.batch_template import monitoring_template
from app.web.blueprint import web_blueprint as bp
from app.web.navigation import actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/batch/monitoring")
def batch_monitoring():
    return _page()


@bp.get("/batch/monitoring/template.xlsx")
def batch_monitoring_template():
    content = monitoring_template(actor())
    return send_file(
        BytesIO(content), mimetype=XLSX, as_attachment=True, download_name="监控报告批量填报.xlsx"
    )


@bp.post("/batch/monitoring")
def batch_monitoring_upload():
    upload = request.files.get("file")
    # One byte over the limit is enough for the service to refuse the file as too large.
    content = upload.read(workbook_limits().upload_bytes + 1) if upload else b""
    try:
        result = batch_upload.import_monitoring(actor(), content)
    except BadRequest as exc:
        return _page(refused=exc.message), 400
    if not result.ok:
        return _page(result=result), 422
    return _page(result=result)


def _page(result: batch_upload.BatchResult | None = None, refused: str | None = None) -> str:
    return render_template(
        "batch_monitoring.html",
        items=monitoring_batch(actor()),
        result=result,
        refused=refused,
        max_mb=workbook_limits().upload_bytes // (1024 * 1024),
    )
