"""A submission's run through its process: the deployed definitions, starting one (instances),
claiming and completing its tasks, keeping the task rows in step with the engine
(projection), its timers, escalations, withdrawals and returns, messages and external tasks,
incidents, attachments, replayed API writes (idempotency), the working calendar, and the
read side every page lists from (queries, forms_view). It may import: foundation."""
