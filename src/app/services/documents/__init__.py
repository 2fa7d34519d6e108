"""The official forms finance hands on, built from the registry and the submissions: the
documents themselves (document), printed as PDF and Excel (render), the year's results,
self-evaluations and monitoring summaries, the department level's forms, what is published
(disclosure) and the rectification list. It may import: foundation, runtime, registry."""
