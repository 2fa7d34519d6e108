"""Following the submissions: where each is stuck, whose desk, since when, late or not
(dashboard: the step table and the league), the list of them with its filters and its
workbook (submissions), chasing whoever holds a task (reminders) and an administrator's
actions on a stuck one (interventions). It may import: foundation, runtime, registry."""
