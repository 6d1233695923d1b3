"""Repositories: the only place that builds queries. One class per aggregate."""

from storage.repositories.participants import ParticipantRepository
from storage.repositories.updates import ProcessedUpdateRepository

__all__ = ["ParticipantRepository", "ProcessedUpdateRepository"]
