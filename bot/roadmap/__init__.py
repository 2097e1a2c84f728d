"""The roadmap content model: frozen dataclasses, the YAML loader and validator, the catalog."""
