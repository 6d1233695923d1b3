"""Persistence: models, the engine and sessions, repositories, FSM storage, migrations."""
