"""The demo county's year after `init-db --demo`: its calendar set weeks back (clock), its
figures (data), its county budget, departments, indicators, requests and rectification, each
driven through the services as the demo accounts would (steps, year). It may import:
foundation, runtime, registry."""
