"""The use cases, one function and one transaction each, in rooms by capability:
foundation, runtime, accounts, administration, registry, tracking, documents, operations
and demo. Each room's __init__.py says what it owns and which rooms it may import; the
README's design section maps them and tests/test_architecture.py holds the map."""
