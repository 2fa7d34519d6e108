"""Process administration: deploying a diagram with its forms, drafts in the modeler and its
catalog, the form editor, moving running submissions to a newer version, export and import
between installations, comparing versions, test runs, the diagram pages and the
administration log. It may import: foundation, runtime."""
