"""Reference data shipped with the bot as package data, found with `importlib.resources`:
`municipalities.csv` (loaded by migration 0002) and the survey templates `surveys/*.yaml`.
No database lives here: the default SQLite file is in the user's data directory."""
