"""Every route and API endpoint, called as every demo account (and as nobody), answers
what the table below says, on a demo county with submissions of both departments.

The table is the specification of who may do what. Routes are enumerated from
`app.url_map`: a route added without a row here fails `test_every_route_has_a_row`.
Objects of another department answer 404, like objects that do not exist, so that
their existence does not leak: submissions, tasks, attachments, projects and the
diagram of a submission (on its page) alike.

Each account works on its own copy of the seeded database (SQLite's backup API), so a
claim made by one account cannot change what the next one is answered. Writes are sent
with bodies that authorised callers get refused for (400/422), so a refusal for want of
rights (403/404) is distinguishable from one for bad input, and nothing is changed.

Set MATRIX_DUMP=1 to print the answers actually given, in the table's own format.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import (
    Attachment,
    Campaign,
    LibraryIndicator,
    Org,
    ProcessInstance,
    Project,
    Task,
    User,
)
from app.models.org import ACTING
from app.services.foundation.clock import now
from conftest import RequestPerContextClient, reset_database, run_folder, shipped_config
from database_copies import Shared

ACCOUNTS = (
    "anon",
    "unit",
    "dept",
    "finance",
    "expert",
    "gov",
    "congress",
    "admin",
    "unit2",
    "dept2",
)
BAD_XML = b"<not-bpmn/>"

# endpoint, method, path, body, answers in ACCOUNTS order. Placeholders: {edu_task} is a
# ready task of 县第一中学 (a unit of 县教育局) waiting at the unit, {health_task} the same
# at 县人民医院 (县卫生健康局), {expert_task} the pre-evaluation assigned to `expert` by
# name; {edu_instance}/{health_instance} their submissions, {edu_file}/{health_file} a file
# attached to each, {edu_project}/{health_project} registry projects ({edu_evaluated}
# the school's project graded last year), {campaign} a round.
# Web: 302 for nobody is the redirect to the login page. API: 401 without a token.
# Lists (inbox, submissions, registry, batch filing) answer 200 to everyone signed in and
# are filtered by the same policy (test_lists_show_nothing_of_another_department holds
# that); tracking is for finance and departments (their own subtree); rounds are
# finance's; refusals by role alone that do not look at the object (reassigning, which
# only finance may) answer 403 for any id, so they leak nothing either.
# fmt: off
MATRIX: list[tuple[str, str, str, dict | bytes | None, str]] = [
    # --- pages everyone signed in sees (their own inbox, lists, notifications)
    ("web.inbox", "GET", "/", None, "302 200 200 200 200 200 200 200 200 200"),
    ("static", "GET", "/static/app.css", None, "200 200 200 200 200 200 200 200 200 200"),
    ("web.login", "GET", "/login", None, "200 200 200 200 200 200 200 200 200 200"),
    ("health.healthz", "GET", "/healthz", None, "200 200 200 200 200 200 200 200 200 200"),
    ("health.favicon", "GET", "/favicon.ico", None, "200 200 200 200 200 200 200 200 200 200"),
    ("web.set_language", "GET", "/lang/zh_Hans_CN", None, "302 302 302 302 302 302 302 302 302 302"),
    ("web.set_language", "POST", "/lang/zh_Hans_CN", {}, "302 302 302 302 302 302 302 302 302 302"),
    ("web.instances", "GET", "/instances", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.notifications", "GET", "/notifications", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.mark_notifications_read", "POST", "/notifications/read", {}, "302 302 302 302 302 302 302 302 302 302"),
    ("web.start", "GET", "/start", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.start_submission", "POST", "/start", {"process": ""}, "302 404 404 404 404 404 404 404 404 404"),
    # --- submissions and their files: another department's answer 404
    ("web.instance", "GET", "/instances/{edu_instance}", None, "302 200 200 200 404 200 200 404 404 404"),
    ("web.instance", "GET", "/instances/{health_instance}", None, "302 404 404 200 404 200 200 404 200 200"),
    ("web.instance", "GET", "/instances/{expert_instance}", None, "302 200 200 200 200 200 200 404 404 404"),
    ("web.instance", "GET", "/instances/999999", None, "302 404 404 404 404 404 404 404 404 404"),
    ("web.download_attachment", "GET", "/attachments/{edu_file}", None, "302 200 200 200 404 200 200 404 404 404"),
    ("web.download_attachment", "GET", "/attachments/{health_file}", None, "302 404 404 200 404 200 200 404 200 200"),
    ("web.intervene", "POST", "/instances/{edu_instance}/suspend", {"reason": ""}, "302 403 403 400 403 403 403 403 403 403"),
    ("web.intervene", "POST", "/instances/{health_instance}/resume", {"reason": ""}, "302 403 403 400 403 403 403 403 403 403"),
    ("web.intervene", "POST", "/instances/{edu_instance}/terminate", {"reason": ""}, "302 403 403 400 403 403 403 403 403 403"),
    # --- tasks
    ("web.task", "GET", "/tasks/{edu_task}", None, "302 200 404 404 404 404 404 404 404 404"),
    ("web.task", "GET", "/tasks/{health_task}", None, "302 404 404 404 404 404 404 404 200 404"),
    ("web.task", "GET", "/tasks/{expert_task}", None, "302 404 404 404 200 404 404 404 404 404"),
    ("web.submit_task", "POST", "/tasks/{health_task}", {}, "302 404 404 404 404 404 404 404 422 404"),
    ("web.claim_task", "POST", "/tasks/{edu_task}/claim", {}, "302 302 404 404 404 404 404 404 404 404"),
    ("web.unclaim_task", "POST", "/tasks/{edu_task}/unclaim", {}, "302 302 404 404 404 404 404 404 404 404"),
    ("web.claim_task", "POST", "/tasks/{health_task}/claim", {}, "302 404 404 404 404 404 404 404 302 404"),
    ("web.unclaim_task", "POST", "/tasks/{health_task}/unclaim", {}, "302 404 404 404 404 404 404 404 302 404"),
    ("web.reassign_task", "POST", "/tasks/{edu_task}/reassign", {"reason": ""}, "302 403 403 400 403 403 403 403 403 403"),
    ("web.remind_task", "POST", "/tasks/{health_task}/remind", {}, "302 404 404 302 404 403 403 404 403 302"),
    # --- finance's rounds; tracking (finance, departments); the registry (filtered lists)
    ("web.campaigns", "GET", "/campaigns", None, "302 403 403 200 403 403 403 403 403 403"),
    ("web.launch_campaign", "POST", "/campaigns", {"process": ""}, "302 403 403 400 403 403 403 403 403 403"),
    ("web.campaign", "GET", "/campaigns/{campaign}", None, "302 403 403 200 403 403 403 403 403 403"),
    ("web.remind_campaign_overdue", "POST", "/campaigns/{campaign}/remind-overdue", {}, "302 403 403 302 403 403 403 403 403 403"),
    ("web.tracking", "GET", "/tracking", None, "302 403 200 200 403 403 403 403 403 200"),
    ("web.tracking", "GET", "/tracking?export=xlsx", None, "302 403 200 200 403 403 403 403 403 200"),
    ("web.process_heatmap", "GET", "/processes/quarterly_monitoring/heatmap", None, "302 403 200 200 403 403 403 403 403 200"),
    ("web.projects", "GET", "/projects", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.export_projects", "GET", "/projects/export.xlsx", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.project", "GET", "/projects/{edu_project}", None, "302 200 200 200 404 200 200 404 404 404"),
    ("web.project", "GET", "/projects/{health_project}", None, "302 404 404 200 404 200 200 404 200 200"),
    ("web.project_targets_document", "GET", "/projects/{edu_project}/documents/targets.pdf", None, "302 200 200 200 404 200 200 404 404 404"),
    ("web.project_targets_document", "GET", "/projects/{health_project}/documents/targets.xlsx", None, "302 404 404 200 404 200 200 404 200 200"),
    # --- the department level ({edu_department} is 县教育局; the demo approved its 2028 targets
    # and delivered its 2026 self-evaluation): its staff and units, and those who see
    # everything; another department, experts and administrators are answered 404
    ("web.departments_page", "GET", "/departments", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.county_budget_page", "GET", "/county-budget?year=2028", None, "302 403 403 200 403 200 200 403 403 403"),
    ("api.county_budget_year", "GET", "/api/v1/county-budget/2028", None, "401 403 403 200 403 200 200 403 403 403"),
    ("web.department", "GET", "/departments/{edu_department}?year=2028", None, "302 200 200 200 404 200 200 404 404 404"),
    ("web.department_targets_document", "GET", "/departments/{edu_department}/documents/targets.pdf?year=2028", None, "302 200 200 200 404 200 200 404 404 404"),
    ("web.department_evaluation_document", "GET", "/departments/{edu_department}/documents/self-evaluation.xlsx?year=2026", None, "302 200 200 200 404 200 200 404 404 404"),
    ("api.department_targets", "GET", "/api/v1/departments/{edu_department}/targets?year=2028", None, "401 200 200 200 404 200 200 404 404 404"),
    ("api.department_self_evaluation", "GET", "/api/v1/departments/{edu_department}/self-evaluation?year=2026", None, "401 200 200 200 404 200 200 404 404 404"),
    ("api.department_targets_file", "GET", "/api/v1/departments/{edu_department}/documents/targets.xlsx?year=2028", None, "401 200 200 200 404 200 200 404 404 404"),
    ("api.department_self_evaluation_file", "GET", "/api/v1/departments/{edu_department}/documents/self-evaluation.pdf?year=2026", None, "401 200 200 200 404 200 200 404 404 404"),
    # --- the year's documents: a project's for whoever sees it, a round's and a year's
    # summaries of what each sees (nothing to an expert or the administrator), the
    # published disclosure list for everyone; finance alone chooses what is published
    ("web.project_self_evaluation_document", "GET", "/projects/{edu_evaluated}/documents/self-evaluation.pdf", None, "302 200 200 200 404 200 200 404 404 404"),
    ("web.monitoring_summary_document", "GET", "/campaigns/{campaign}/documents/monitoring-summary.xlsx", None, "302 200 200 200 404 200 200 404 200 200"),
    ("web.evaluation_results_document", "GET", "/years/2026/documents/evaluation-results.pdf", None, "302 200 200 200 404 200 200 404 200 200"),
    ("web.disclosure_document", "GET", "/years/2026/documents/disclosure.xlsx", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.disclosure_page", "GET", "/disclosure?year=2026", None, "302 403 403 200 403 403 403 403 403 403"),
    ("web.save_disclosure", "POST", "/disclosure?year=2026", {"project": "x"}, "302 403 403 400 403 403 403 403 403 403"),
    ("web.rectifications", "GET", "/rectifications", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.rectifications", "GET", "/rectifications?status=done", None, "302 400 400 400 400 400 400 400 400 400"),
    ("web.rectifications_document", "GET", "/rectifications/document.pdf", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.rectifications_document", "GET", "/rectifications/document.xlsx?year=all", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.batch_monitoring", "GET", "/batch/monitoring", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.batch_monitoring_template", "GET", "/batch/monitoring/template.xlsx", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.batch_monitoring_upload", "POST", "/batch/monitoring", {}, "302 400 400 400 400 400 400 400 400 400"),
    # --- process diagrams (definitions, not submissions: every signed-in person)
    ("web.process_diagram", "GET", "/processes/quarterly_monitoring/diagram", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.process_diagram_xml", "GET", "/processes/quarterly_monitoring/diagram.bpmn", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.process_diagram", "GET", "/processes/no_such_process/diagram", None, "302 404 404 404 404 404 404 404 404 404"),
    # --- process administration: the process administrator only
    ("web.deploy", "GET", "/admin/deploy", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.deploy_submit", "POST", "/admin/deploy", {}, "302 403 403 403 403 403 403 400 403 403"),
    ("web.admin_processes", "GET", "/admin/processes", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.process_versions", "GET", "/admin/processes/quarterly_monitoring/versions", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.process_rollback", "POST", "/admin/processes/quarterly_monitoring/rollback", {"version": "x"}, "302 403 403 403 403 403 403 400 403 403"),
    ("web.modeler_new", "GET", "/admin/modeler/new", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.modeler", "GET", "/admin/modeler/quarterly_monitoring", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.modeler_xml", "GET", "/admin/modeler/quarterly_monitoring/diagram.bpmn", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.modeler_draft", "POST", "/admin/modeler/quarterly_monitoring/draft", BAD_XML, "302 403 403 403 403 403 403 400 403 403"),
    ("web.modeler_deploy", "POST", "/admin/modeler/quarterly_monitoring/deploy", {}, "302 403 403 403 403 403 403 404 403 403"),
    ("web.modeler_changes", "GET", "/admin/modeler/quarterly_monitoring/changes", None, "302 403 403 403 403 403 403 404 403 403"),
    ("web.modeler_discard", "POST", "/admin/modeler/quarterly_monitoring/discard", {}, "302 403 403 403 403 403 403 200 403 403"),
    # --- the form editor, the modeler's panel and test run, versions: the administrator only
    ("web.admin_forms", "GET", "/admin/forms", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.create_form", "POST", "/admin/forms", {"filename": ""}, "302 403 403 403 403 403 403 302 403 403"),
    ("web.form_editor", "GET", "/admin/forms/monitoring-report.schema.json", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.save_form", "POST", "/admin/forms/monitoring-report.schema.json/save", {}, "302 403 403 403 403 403 403 400 403 403"),
    ("web.discard_form", "POST", "/admin/forms/monitoring-report.schema.json/discard", {}, "302 403 403 403 403 403 403 302 403 403"),
    ("web.preview_form", "POST", "/admin/forms/preview", {}, "302 403 403 403 403 403 403 400 403 403"),
    ("web.modeler_operators", "GET", "/admin/modeler/operators", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.modeler_check_script", "POST", "/admin/modeler/check-script", {}, "302 403 403 403 403 403 403 400 403 403"),
    ("web.modeler_check", "POST", "/admin/modeler/quarterly_monitoring/check", BAD_XML, "302 403 403 403 403 403 403 200 403 403"),
    ("web.modeler_test_run", "POST", "/admin/modeler/quarterly_monitoring/test-run", BAD_XML, "302 403 403 403 403 403 403 400 403 403"),
    ("web.modeler_test_step", "POST", "/admin/modeler/quarterly_monitoring/test-run/step", {}, "302 403 403 403 403 403 403 400 403 403"),
    ("web.process_diff", "GET", "/admin/processes/quarterly_monitoring/diff?old=1&new=1", None, "302 403 403 403 403 403 403 400 403 403"),
    ("web.process_export", "GET", "/admin/processes/quarterly_monitoring/versions/1/export", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.process_import", "GET", "/admin/import", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.process_import_submit", "POST", "/admin/import", {}, "302 403 403 403 403 403 403 400 403 403"),
    ("web.process_migrate", "GET", "/admin/processes/quarterly_monitoring/migrate", None, "302 403 403 403 403 403 403 400 403 403"),
    ("web.process_migrate_submit", "POST", "/admin/processes/quarterly_monitoring/migrate", {}, "302 403 403 403 403 403 403 400 403 403"),
    # --- finance's calendar, scheduled rounds and incidents (jobs that gave up)
    ("web.work_calendar", "GET", "/settings/calendar", None, "302 403 403 200 403 403 403 403 403 403"),
    ("web.save_work_calendar", "POST", "/settings/calendar", {"holidays": "x"}, "302 403 403 422 403 403 403 403 403 403"),
    ("web.control_totals_page", "GET", "/settings/control-totals", None, "302 403 403 200 403 403 403 403 403 403"),
    ("web.save_control_totals", "POST", "/settings/control-totals", {"amount_1": "x"}, "302 403 403 422 403 403 403 403 403 403"),
    # --- the indicator library: everyone reads the 共性指标, finance keeps them; a department
    # keeps its own 个性指标 ({edu_indicator} is 县教育局's), which its units and those who
    # see everything read and nobody else finds
    ("web.indicator_library", "GET", "/settings/indicators", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.new_indicator", "GET", "/settings/indicators/new?library=common", None, "302 403 403 200 403 403 403 403 403 403"),
    ("web.new_indicator", "POST", "/settings/indicators/new?library=common", {"level1": "x"}, "302 403 403 400 403 403 403 403 403 403"),
    ("web.edit_indicator", "GET", "/settings/indicators/{edu_indicator}", None, "302 403 200 403 404 403 403 404 404 404"),
    ("web.edit_indicator", "POST", "/settings/indicators/{edu_indicator}", {"level1": "x"}, "302 403 400 403 404 403 403 404 404 404"),
    ("web.activate_indicator", "POST", "/settings/indicators/{edu_indicator}/activate", {}, "302 403 302 403 404 403 403 404 404 404"),
    ("web.deactivate_indicator", "POST", "/settings/indicators/999999/deactivate", {}, "302 404 404 404 404 404 404 404 404 404"),
    ("web.cancel_scheduled_campaign", "POST", "/campaigns/scheduled/999999/cancel", {}, "302 403 403 404 403 403 403 403 403 403"),
    ("web.retry_job", "POST", "/jobs/999999/retry", {}, "302 403 403 404 403 403 403 403 403 403"),
    # --- accounts: one's own page; the account administrator (user_admin, held by admin)
    ("web.account", "GET", "/account", None, "302 200 200 200 200 200 200 200 200 200"),
    ("web.change_password", "POST", "/account/password", {}, "302 400 400 400 400 400 400 400 400 400"),
    ("web.revoke_token", "POST", "/account/tokens/999999/revoke", {}, "302 404 404 404 404 404 404 404 404 404"),
    ("web.admin_users", "GET", "/admin/users", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.new_user", "GET", "/admin/users/new", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.new_user", "POST", "/admin/users/new", {}, "302 403 403 403 403 403 403 400 403 403"),
    ("web.edit_user", "GET", "/admin/users/{unit_user}", None, "302 403 403 403 403 403 403 200 403 403"),
    ("web.edit_user", "POST", "/admin/users/{unit_user}", {"org_id": "x"}, "302 403 403 403 403 403 403 400 403 403"),
    ("web.edit_user", "GET", "/admin/users/999999", None, "302 403 403 403 403 403 403 404 403 403"),
    ("web.reset_user_password", "POST", "/admin/users/999999/password", {}, "302 403 403 403 403 403 403 404 403 403"),
    ("web.deactivate_user", "POST", "/admin/users/999999/deactivate", {}, "302 403 403 403 403 403 403 404 403 403"),
    ("web.activate_user", "POST", "/admin/users/999999/activate", {}, "302 403 403 403 403 403 403 404 403 403"),
    # --- JSON API
    ("api.openapi_document", "GET", "/api/v1/openapi.json", None, "200 200 200 200 200 200 200 200 200 200"),
    ("api.issue_token", "POST", "/api/v1/auth/token", {"username": "unit", "password": "wrong"}, "401 401 401 401 401 401 401 401 401 401"),
    ("api.list_processes", "GET", "/api/v1/processes", None, "401 200 200 200 200 200 200 200 200 200"),
    ("api.start_instance", "POST", "/api/v1/processes/no_such_process/instances", {}, "401 404 404 404 404 404 404 404 404 404"),
    ("api.list_tasks", "GET", "/api/v1/tasks", None, "401 200 200 200 200 200 200 200 200 200"),
    ("api.get_task", "GET", "/api/v1/tasks/{edu_task}", None, "401 200 404 404 404 404 404 404 404 404"),
    ("api.get_task", "GET", "/api/v1/tasks/{health_task}", None, "401 404 404 404 404 404 404 404 200 404"),
    ("api.get_task", "GET", "/api/v1/tasks/{expert_task}", None, "401 404 404 404 200 404 404 404 404 404"),
    ("api.complete_task", "POST", "/api/v1/tasks/{edu_task}/complete", {"data": []}, "401 422 404 404 404 404 404 404 404 404"),
    ("api.complete_task", "POST", "/api/v1/tasks/{health_task}/complete", {"data": []}, "401 404 404 404 404 404 404 404 422 404"),
    ("api.claim_task", "POST", "/api/v1/tasks/{expert_task}/claim", {}, "401 404 404 404 200 404 404 404 404 404"),
    ("api.unclaim_task", "POST", "/api/v1/tasks/{health_task}/unclaim", {}, "401 404 404 404 404 404 404 404 200 404"),
    ("api.list_instances", "GET", "/api/v1/instances", None, "401 200 200 200 200 200 200 200 200 200"),
    ("api.get_instance", "GET", "/api/v1/instances/{edu_instance}", None, "401 200 200 200 404 200 200 404 404 404"),
    ("api.get_instance", "GET", "/api/v1/instances/{health_instance}", None, "401 404 404 200 404 200 200 404 200 200"),
    ("api.tracking_summary", "GET", "/api/v1/tracking/summary", None, "401 200 200 200 200 200 200 200 200 200"),
    ("api.deploy", "POST", "/api/v1/deployments", {}, "401 403 403 403 403 403 403 400 403 403"),
    ("api.tracking_steps", "GET", "/api/v1/tracking/steps", None, "401 403 200 200 403 403 403 403 403 200"),
    ("api.tracking_organisations", "GET", "/api/v1/tracking/organisations", None, "401 403 200 200 403 403 403 403 403 200"),
    ("api.campaign_progress", "GET", "/api/v1/campaigns/{campaign}/progress", None, "401 403 200 200 403 403 403 403 403 200"),
    ("api.list_incidents", "GET", "/api/v1/incidents", None, "401 403 403 200 403 403 403 403 403 403"),
    ("api.retry_incident", "POST", "/api/v1/incidents/999999/retry", {}, "401 403 403 404 403 403 403 403 403 403"),
    ("api.remind", "POST", "/api/v1/tasks/{health_task}/remind", {}, "401 404 404 200 404 403 403 404 403 200"),
    ("api.list_rectifications", "GET", "/api/v1/rectifications", None, "401 200 200 200 200 200 200 200 200 200"),
    ("api.list_rectifications", "GET", "/api/v1/rectifications?year=20x7", None, "401 400 400 400 400 400 400 400 400 400"),
    ("api.notifications", "GET", "/api/v1/notifications", None, "401 200 200 200 200 200 200 200 200 200"),
    ("api.deliver_message", "POST", "/api/v1/messages", {}, "401 403 403 400 403 403 403 403 403 403"),
    ("api.project_targets_document", "GET", "/api/v1/projects/{health_project}/documents/targets.pdf", None, "401 404 404 200 404 200 200 404 200 200"),
    ("api.project_self_evaluation_document", "GET", "/api/v1/projects/{edu_evaluated}/documents/self-evaluation.xlsx", None, "401 200 200 200 404 200 200 404 404 404"),
    ("api.monitoring_summary_document", "GET", "/api/v1/campaigns/{campaign}/documents/monitoring-summary.pdf", None, "401 200 200 200 404 200 200 404 200 200"),
    ("api.evaluation_results_document", "GET", "/api/v1/years/2026/documents/evaluation-results.xlsx", None, "401 200 200 200 404 200 200 404 200 200"),
    ("api.disclosure_document", "GET", "/api/v1/years/2026/documents/disclosure.pdf", None, "401 200 200 200 200 200 200 200 200 200"),
    ("api.list_indicators", "GET", "/api/v1/indicators", None, "401 200 200 200 200 200 200 200 200 200"),
    ("api.list_indicators", "GET", "/api/v1/indicators?department=edu", None, "401 200 200 200 404 200 200 404 404 404"),
    # --- Camunda's external-task interface: service accounts (role service_worker) only
    ("engine_rest.fetch_and_lock", "POST", "/engine-rest/external-task/fetchAndLock", {}, "401 403 403 403 403 403 403 403 403 403"),
    ("engine_rest.complete", "POST", "/engine-rest/external-task/{edu_task}/complete", {}, "401 403 403 403 403 403 403 403 403 403"),
    ("engine_rest.failure", "POST", "/engine-rest/external-task/{edu_task}/failure", {}, "401 403 403 403 403 403 403 403 403 403"),
    ("engine_rest.bpmn_error", "POST", "/engine-rest/external-task/{edu_task}/bpmnError", {}, "401 403 403 403 403 403 403 403 403 403"),
    ("engine_rest.extend_lock", "POST", "/engine-rest/external-task/{edu_task}/extendLock", {}, "401 403 403 403 403 403 403 403 403 403"),
    ("engine_rest.unlock", "POST", "/engine-rest/external-task/{edu_task}/unlock", {}, "401 403 403 403 403 403 403 403 403 403"),
    # --- last: revoking one's API tokens, a wrong password (the form again, with its
    # error), signing out everywhere, then signing out
    ("api.revoke_all_tokens", "DELETE", "/api/v1/auth/tokens", None, "401 200 200 200 200 200 200 200 200 200"),
    ("api.revoke_token", "DELETE", "/api/v1/auth/token", None, "401 401 401 401 401 401 401 401 401 401"),
    ("web.login", "POST", "/login", {"username": "nobody", "password": "x"}, "401 401 401 401 401 401 401 401 401 401"),
    ("web.sign_out_everywhere", "POST", "/account/sign-out-everywhere", {}, "302 302 302 302 302 302 302 302 302 302"),
    ("web.logout", "POST", "/logout", {}, "302 302 302 302 302 302 302 302 302 302"),
]
# fmt: on


def _attach(instance_id: int, uploader: str) -> int:
    who = db.session.scalar(select(User).where(User.username == uploader).options(*ACTING))
    row = Attachment(
        instance_id=instance_id,
        filename="预算说明.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        uploaded_by_id=who.id,
        uploaded_at=now(),
        content=b"%PDF",
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def _ready_task(activity: str, org_code: str) -> Task:
    return db.session.scalars(
        select(Task)
        .join(Org, Org.id == Task.org_id)
        .where(Task.activity_id == activity, Org.code == org_code, Task.status == "ready")
        .order_by(Task.id)
    ).first()


def _project(code: str, year: int) -> int:
    return db.session.scalar(
        select(Project.id).where(Project.code == code, Project.fiscal_year == year)
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The demo county of `init-db --demo` plus one attachment per department: built once
    per run, by the first process to need it (tests/database_copies.py's `Shared`)."""
    shared = Shared(run_folder(tmp_path_factory))
    path, kept = shared.folder / "matrix.db", shared.folder / "matrix.json"
    with shared.lock("matrix"):
        if not shared.is_done("matrix"):
            kept.write_text(json.dumps(_seed(path, shared.folder / "matrix-instance")))
            shared.done("matrix")
        return path, json.loads(kept.read_text())


def _seed(path: Path, instance: Path) -> dict[str, int]:
    app = create_app(shipped_config(f"sqlite:///{path}"))
    app.instance_path = str(instance)
    with app.app_context():
        reset_database()
        db.session.remove()
        result = app.test_cli_runner().invoke(args=["init-db", "--demo"])
        assert result.exit_code == 0, result.output
        edu, health = (
            _ready_task("fill_monitoring_report", "edu-school1"),
            _ready_task("fill_monitoring_report", "health-hospital"),
        )
        expert = db.session.scalar(select(Task).where(Task.activity_id == "pre_evaluation"))
        ids = {
            "edu_task": edu.id,
            "health_task": health.id,
            "expert_task": expert.id,
            "edu_instance": edu.instance_id,
            "health_instance": health.instance_id,
            "expert_instance": expert.instance_id,
            "edu_file": _attach(edu.instance_id, "unit"),
            "health_file": _attach(health.instance_id, "unit2"),
            "edu_project": _project("JY-2026-001", 2027),
            "edu_department": db.session.scalar(select(Org.id).where(Org.code == "edu")),
            "edu_evaluated": _project("JY-2026-001", 2026),
            "unit_user": db.session.scalar(select(User.id).where(User.username == "unit")),
            "health_project": _project("WS-2026-001", 2027),
            "campaign": db.session.scalar(
                select(Campaign.id).where(Campaign.process_key == "quarterly_monitoring")
            ),
            "edu_indicator": db.session.scalar(
                select(LibraryIndicator.id).where(LibraryIndicator.name == "师生满意度")
            ),
        }
        assert all(ids.values()), ids
        expert_instance = db.session.get(ProcessInstance, ids["expert_instance"])
        assert db.session.get(Org, expert_instance.org_id).code == "edu-school1"
        db.session.remove()
        db.engine.dispose()
    return ids


def _copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _ask(client: FlaskClient, method: str, path: str, body, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if path.startswith("/api/"):
        kwargs = {"json": body} if body is not None else {}
    elif isinstance(body, bytes):
        kwargs = {"data": body, "content_type": "application/xml"}
    else:
        kwargs = {"data": body} if body is not None else {}
    return client.open(path, method=method, headers=headers, **kwargs).status_code


def test_every_route_has_a_row():
    app = create_app(shipped_config("sqlite://"))
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    assert sorted(routes - covered) == [], "add these routes to the authorization matrix"
    assert sorted(covered - routes) == [], "these rows name routes that no longer exist"


@pytest.mark.parametrize("account", ACCOUNTS)
def test_each_account_gets_the_answers_of_the_table(seeded, tmp_path, account):
    source, ids = seeded
    target = tmp_path / f"{account}.db"
    _copy(source, target)
    app = create_app(shipped_config(f"sqlite:///{target}"))
    app.instance_path = str(tmp_path / "instance")
    client = RequestPerContextClient(app, app.response_class, use_cookies=True)
    token = None
    if account != "anon":
        signed_in = client.post("/login", data={"username": account, "password": "demo"})
        assert signed_in.status_code == 302, signed_in.text
        answer = client.post("/api/v1/auth/token", json={"username": account, "password": "demo"})
        token = answer.get_json()["token"]
    column = ACCOUNTS.index(account)
    wrong, dump = [], []
    for endpoint, method, template, body, answers in MATRIX:
        path = template.format(**ids)
        got = _ask(client, method, path, body, token)
        expected = int(answers.split()[column])
        dump.append((endpoint, method, template, got))
        if got != expected:
            wrong.append(f"{method} {path} ({endpoint}): expected {expected}, got {got}")
    with app.app_context():
        db.engine.dispose()
    if os.environ.get("MATRIX_DUMP"):
        print("\n".join(f"{account} {e} {m} {t} {g}" for e, m, t, g in dump))
    assert wrong == [], f"{account}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("account", ["unit2", "dept2", "expert", "admin"])
def test_lists_show_nothing_of_another_department(seeded, tmp_path, account):
    """The lists everyone may open name none of 县教育局's submissions, tasks or projects."""
    source, ids = seeded
    target = tmp_path / "lists.db"
    _copy(source, target)
    app = create_app(shipped_config(f"sqlite:///{target}"))
    app.instance_path = str(tmp_path / "instance")
    client = RequestPerContextClient(app, app.response_class, use_cookies=True)
    assert client.post("/login", data={"username": account, "password": "demo"}).status_code == 302
    token = client.post(
        "/api/v1/auth/token", json={"username": account, "password": "demo"}
    ).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    pages = "\n".join(client.get(path).text for path in ("/", "/instances", "/projects"))
    for link in (
        f'/instances/{ids["edu_instance"]}"',
        f'/tasks/{ids["edu_task"]}"',
        f'/projects/{ids["edu_project"]}"',
    ):
        assert link not in pages
    exports = ["/projects/export.xlsx"] + (["/tracking?export=xlsx"] if account == "dept2" else [])
    for path in exports:
        cells = _workbook_text(client.get(path).data)
        assert "县第一中学" not in cells and "JY-2026-001" not in cells, path
    instances = client.get("/api/v1/instances", headers=bearer).get_json()
    tasks = client.get("/api/v1/tasks", headers=bearer).get_json()
    assert ids["edu_instance"] not in {row["id"] for row in instances}
    assert ids["edu_task"] not in {row["id"] for row in tasks}
    with app.app_context():
        db.engine.dispose()


def _workbook_text(content: bytes) -> str:
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(content), read_only=True)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
