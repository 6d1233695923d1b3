"""Repositories, one class per aggregate: the queries several services share and those of
the hot paths (outbox, people, processed updates). A query only one service needs, bound
to its rules (analytics' aggregations, who holds a survey response), is built in that
service next to the rule it serves."""

from storage.repositories.participants import ParticipantRepository
from storage.repositories.updates import ProcessedUpdateRepository

__all__ = ["ParticipantRepository", "ProcessedUpdateRepository"]
