"""Running the installation: what the worker runs on a calendar (schedules), first-run set-up,
backups and restores, the daily integrity check, the health answer and a web worker's
warm-up. It may import: foundation, runtime, accounts, administration, registry, tracking."""
