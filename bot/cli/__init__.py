"""Command-line commands behind `python -m bot`: each returns an exit code."""
