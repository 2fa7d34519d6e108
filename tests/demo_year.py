"""The demo county's year (services/demo/year.py) in a test's own database, and how to read a
printed document back as its reader would.

The tests' template database holds the demo accounts and the fixture processes; the demo
year needs the four shipped processes, so they are deployed beside them first and the
year is then driven through them as `init-db --demo` does.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Campaign, Project, Task
from app.services.demo.year import seed_demo_year
from app.services.documents import render as document_render
from app.services.documents.document import Document
from app.services.operations.setup import deploy_folder

ROOT = Path(__file__).parents[1]


def seed_demo_county_year() -> None:
    deploy_folder(ROOT / "processes", ROOT / "forms")
    assert seed_demo_year(), "the demo year was not seeded"


def project_id(code: str, year: int) -> int:
    return db.session.scalar(
        select(Project.id).where(Project.code == code, Project.fiscal_year == year)
    )


def campaign_id(process_key: str) -> int:
    return db.session.scalar(select(Campaign.id).where(Campaign.process_key == process_key))


def ready_task(activity: str, project_code: str, process: str | None = None) -> Task:
    """The open task at `activity` of the submission about `project_code` (in `process`
    when two rounds of one project wait at steps of the same name)."""
    query = (
        select(Task)
        .where(Task.activity_id == activity, Task.status == "ready")
        .options(joinedload(Task.instance))
    )
    if process is not None:
        query = query.where(Task.process_key == process)
    found = [t for t in db.session.scalars(query) if t.instance.round_item == project_code]
    if not found:
        raise AssertionError(f"no ready {activity} for {project_code}")
    assert len(found) == 1, f"{len(found)} ready {activity} for {project_code}: name the process"
    return found[0]


def printed(content: bytes) -> str:
    """Every page's text without whitespace: a cell wraps its words over lines."""
    reader = PdfReader(BytesIO(content))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def pdf_text(document: Document) -> str:
    return printed(document_render.pdf_bytes(document))


def sheet_rows(content: bytes) -> list[list]:
    """The workbook's rows, each without its empty cells."""
    sheet = load_workbook(BytesIO(content)).active
    return [[c for c in row if c not in (None, "")] for row in sheet.iter_rows(values_only=True)]


def workbook_rows(document: Document) -> list[list]:
    return sheet_rows(document_render.workbook(document))


def squeezed(text: str) -> str:
    return "".join(text.split())
