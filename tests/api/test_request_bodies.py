"""Request bodies are read by their models (api/schemas/): a member of the wrong type or a
missing one is refused with the route's status and code, and `details` naming each member
in the reader's language; one who may not act is answered that first; nothing changes."""

from __future__ import annotations

from app.api.openapi import OPENAPI

ENGLISH = {"Accept-Language": "en"}


def test_a_start_with_a_title_that_is_no_text_names_the_title(api, conforms):
    unit = api("unit")
    answer = unit.post("/processes/simple_approval/instances", {"title": 7})
    assert answer.status == 400 and answer.error == "bad_request"
    conforms("/processes/{key}/instances", "post", answer)
    assert answer.body["details"] == [{"path": "/title", "message": "成员 title 须为文本"}]
    assert answer.body["message"] == "成员 title 须为文本"
    english = unit.post("/processes/simple_approval/instances", {"title": 7}, headers=ENGLISH)
    assert english.body["details"] == [
        {"path": "/title", "message": "The member title must be text."}
    ]
    assert unit.get("/instances").body == []


def test_an_org_that_is_neither_code_nor_id_is_refused_once_by_its_name(api):
    answer = api("finance").post(
        "/processes/simple_approval/instances", {"org": ["edu"], "data": "x"}, headers=ENGLISH
    )
    assert answer.status == 400 and answer.error == "bad_request"
    assert answer.body["details"] == [
        {"path": "/org", "message": "The member org must be text or a whole number."},
        {"path": "/data", "message": "The member data must be an object."},
    ]


def test_a_completion_whose_data_is_no_object_is_422_naming_data(api, start, conforms):
    instance_id, task = start()
    unit = api("unit")
    answer = unit.post(f"/tasks/{task['id']}/complete", {"data": ["a"]})
    assert answer.status == 422 and answer.error == "validation_failed"
    conforms("/tasks/{task_id}/complete", "post", answer)
    assert answer.body["details"] == [{"path": "/data", "message": "成员 data 须为对象"}]
    missing = unit.post(f"/tasks/{task['id']}/complete", {"comment": "x"}, headers=ENGLISH)
    assert missing.status == 422 and missing.error == "validation_failed"
    assert missing.body["details"] == [{"path": "/data", "message": "The member data is required."}]
    assert unit.get(f"/tasks/{task['id']}").body["status"] == "ready"


def test_a_malformed_completion_of_a_task_one_may_not_complete_answers_as_a_good_one(
    api, start, to_review
):
    _, review = to_review()
    assert api("dept2").post(f"/tasks/{review['id']}/complete", {"data": 1}).status == 404
    _, task = start("另一份")
    assert api("unit").post(f"/tasks/{task['id']}/claim").status == 200
    # The same refusals a well-formed body gets, before the body is judged.
    assert api("dept").post(f"/tasks/{task['id']}/complete", {"data": 1}).status == 404
    assert api("dept").get(f"/tasks/{review['id']}").body["status"] == "ready"


def test_a_message_is_refused_for_want_of_rights_before_its_body_is_read(api):
    assert api("unit").post("/messages", {"name": 5}).status == 403
    answer = api("finance").post("/messages", {"name": 5, "correlation": []}, headers=ENGLISH)
    assert answer.status == 400 and answer.error == "bad_request"
    assert answer.body["details"] == [
        {"path": "/name", "message": "The member name must be text."},
        {"path": "/correlation", "message": "The member correlation must be an object."},
    ]
    nameless = api("finance").post("/messages", {"data": {}})
    assert nameless.status == 400
    assert nameless.body["details"] == [{"path": "/name", "message": "缺少成员 name"}]


def test_a_reminder_message_over_2000_characters_or_not_text_is_refused(api, to_review):
    _, review = to_review()
    finance = api("finance")
    too_long = finance.post(f"/tasks/{review['id']}/remind", {"message": "催" * 2001})
    assert too_long.status == 400 and too_long.error == "bad_request"
    assert too_long.body["details"] == [
        {"path": "/message", "message": "成员 message 最长 2000 个字"}
    ]
    number = finance.post(f"/tasks/{review['id']}/remind", {"message": 3}, headers=ENGLISH)
    assert number.body["details"] == [
        {"path": "/message", "message": "The member message must be text."}
    ]
    assert api("dept").get("/notifications").body["unread"] == 0


def test_signing_in_with_a_username_that_is_no_text_is_a_bad_request(anonymous, conforms):
    answer = anonymous.post("/auth/token", {"username": 1, "password": "demo"})
    assert answer.status == 400 and answer.error == "bad_request"
    conforms("/auth/token", "post", answer)
    assert [d["path"] for d in answer.body["details"]] == ["/username"]


def test_the_document_publishes_the_models_the_bodies_are_read_with():
    schemas = OPENAPI["components"]["schemas"]
    complete = schemas["CompleteRequest"]
    assert complete["required"] == ["data"]
    assert complete["properties"]["data"]["type"] == "object"
    assert schemas["RemindRequest"]["properties"]["message"]["anyOf"][0]["maxLength"] == 2000
    operation = OPENAPI["paths"]["/tasks/{task_id}/complete"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CompleteRequest"}


def test_a_query_parameter_is_read_as_the_document_lists_it(api):
    from app.models.rectification import RECTIFICATION_STATUSES
    from app.services.runtime.queries import INBOX_SORTS

    def listed(path: str, name: str) -> dict:
        (parameter,) = [
            p for p in OPENAPI["paths"][path]["get"]["parameters"] if p.get("name") == name
        ]
        return parameter["schema"]

    assert listed("/tasks", "sort")["enum"] == list(INBOX_SORTS)
    assert listed("/rectifications", "status")["enum"] == list(RECTIFICATION_STATUSES)
    limit = listed("/instances", "limit")
    unit = api("unit")
    assert unit.get("/instances", limit=limit["maximum"]).status == 200
    refused = unit.get("/instances", limit=limit["maximum"] + 1)
    assert refused.status == 400 and refused.body["details"][0]["path"] == "/limit"
    assert unit.get("/tasks", sort="sideways").body["details"][0]["path"] == "/sort"
