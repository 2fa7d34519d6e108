"""Printing a project's official form from its page: a PDF and a workbook to download,
for whoever may see the project and nobody else."""

from __future__ import annotations

import pytest

from factories import SCHOOL_INDICATORS, approved_project


@pytest.fixture
def project(app):
    return approved_project("JY-2027-001", 2027, SCHOOL_INDICATORS)


def test_the_page_offers_both_and_sends_each_as_a_download(project, client, login):
    login("unit")
    page = client.get(f"/projects/{project.id}")
    assert f"/projects/{project.id}/documents/targets.pdf" in page.text
    pdf = client.get(f"/projects/{project.id}/documents/targets.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    xlsx = client.get(f"/projects/{project.id}/documents/targets.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    login("dept2")
    assert client.get(f"/projects/{project.id}/documents/targets.pdf").status_code == 404
