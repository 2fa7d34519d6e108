"""The shapes of JSON API v1, declared once as pydantic models, by resource: what a
request body must be (RequestBody subclasses, which the handlers read their bodies with)
and what an answer is (Answer subclasses, which /api/v1/openapi.json publishes and the
API tests hold real answers to). api/operations.py says which operation takes and gives
which; api/openapi.py makes the document from both."""
