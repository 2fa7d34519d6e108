"""The project registry (项目库) and its rounds: launching and following a round (campaigns), the
registry and round pages, batch filling of monitoring reports, county settings, the
indicator library, control totals, the county's budget, the department level and why a
warning light is lit. It may import: foundation, runtime."""
