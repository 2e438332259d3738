"""`Repositories`: every repository of the app, built on one `Database`."""

from __future__ import annotations

from dataclasses import dataclass

from storage.card_actions import CardActionRepository
from storage.db import Database
from storage.delivery_health import DeliveryHealthReader
from storage.intake_writer import IntakeWriter
from storage.integrations import IntegrationRepository
from storage.key_replies import KeyReplyRepository
from storage.mappings import MappingRepository
from storage.people import PeopleRepository
from storage.queue import QueueRepository
from storage.reviews import ReviewRequestRepository
from storage.subscriptions import SubscriptionRepository
from storage.workers import WorkerRegistry


@dataclass(frozen=True, slots=True)
class Repositories:
    """Everything storage offers the rest of the app, built on one `Database`."""

    db: Database
    integrations: IntegrationRepository
    mappings: MappingRepository
    subscriptions: SubscriptionRepository
    queue: QueueRepository
    workers: WorkerRegistry
    people: PeopleRepository
    card_actions: CardActionRepository
    key_replies: KeyReplyRepository
    reviews: ReviewRequestRepository
    health: DeliveryHealthReader
    intake: IntakeWriter
    """New events from the webhooks and the API, group-committed (`storage.intake_writer`)."""

    @classmethod
    def on(cls, db: Database) -> Repositories:
        return cls(
            db,
            IntegrationRepository(db),
            MappingRepository(db),
            SubscriptionRepository(db),
            QueueRepository(db),
            WorkerRegistry(db),
            PeopleRepository(db),
            CardActionRepository(db),
            KeyReplyRepository(db),
            ReviewRequestRepository(db),
            DeliveryHealthReader(db),
            IntakeWriter(db),
        )
