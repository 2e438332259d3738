"""SQLAlchemy 2.0 models. Change them only together with a new Alembic revision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import BigIntPK, UTCDateTime, utcnow

# Length of identifier columns that take part in unique indexes: MySQL's utf8mb4 index
# limit (3072 bytes) must hold the widest composite key.
ID_LEN = 255
KEY_LEN = 191
NAME_LEN = 32
# MySQL/MariaDB: 4-byte UTF-8 and binary comparison, so keys compare as on PostgreSQL and
# SQLite ("Delivery-ABC" and "delivery-abc" are two deliveries) whatever the server default.
MYSQL_TABLE = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class IntegrationLog(Base):
    """Every integration event: the audit log, and for pending rows the delivery queue.

    `delivery_key` is the sender's delivery id (or a content hash), unique per source, so a
    redelivered webhook or a retried Slack event is stored once. A worker claims a row by
    setting `locked_by`/`locked_until` (a lease); an expired lease can be taken over.
    `ordering_key` names the thread the event belongs to, so events of one thread are
    delivered in the order received. `event_key` is the classification the intake computed
    (so the worker need not classify the event again); NULL when none was stored.
    """

    __tablename__ = "integration_logs"
    __table_args__ = (
        UniqueConstraint("source_service", "delivery_key", name="uq_integration_delivery"),
        Index("ix_integration_due", "status", "next_attempt_at"),
        Index("ix_integration_ordering", "ordering_key", "id"),
        Index("ix_integration_source", "source_service", "event_type"),
        Index("ix_integration_created", "created_at"),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source_service: Mapped[str] = mapped_column(String(NAME_LEN))
    target_service: Mapped[str] = mapped_column(String(NAME_LEN))
    event_type: Mapped[str] = mapped_column(String(128))
    source_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    target_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error_message: Mapped[str | None] = mapped_column(Text)
    delivery_key: Mapped[str | None] = mapped_column(String(KEY_LEN))
    ordering_key: Mapped[str | None] = mapped_column(String(ID_LEN))
    event_key: Mapped[str | None] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    attempt_log: Mapped[list[IntegrationAttempt]] = relationship(
        back_populates="integration",
        order_by="IntegrationAttempt.number",
        cascade="all, delete-orphan",
    )


class IntegrationAttempt(Base):
    """One delivery attempt: when, how it ended, and the error it ended with."""

    __tablename__ = "integration_attempts"
    __table_args__ = (
        UniqueConstraint("integration_id", "number", name="uq_attempt_number"),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    integration_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("integration_logs.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)

    integration: Mapped[IntegrationLog] = relationship(back_populates="attempt_log")


class ServiceMapping(Base):
    """A link between an object of one service and one of another (see `MappingType`).

    `exclusive_target_id` repeats `target_id` for mapping types whose target may be linked
    only once (a Slack thread belongs to one issue) and is NULL otherwise; its unique index
    enforces that on every database without partial indexes.
    """

    __tablename__ = "service_mappings"
    __table_args__ = (
        UniqueConstraint(
            "mapping_type",
            "source_service",
            "source_id",
            "target_service",
            "target_id",
            name="uq_mapping_pair",
        ),
        UniqueConstraint(
            "mapping_type", "target_service", "exclusive_target_id", name="uq_mapping_target"
        ),
        Index("ix_mapping_source", "source_service", "source_id"),
        Index("ix_mapping_target", "target_service", "target_id"),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source_service: Mapped[str] = mapped_column(String(NAME_LEN))
    source_id: Mapped[str] = mapped_column(String(ID_LEN))
    target_service: Mapped[str] = mapped_column(String(NAME_LEN))
    target_id: Mapped[str] = mapped_column(String(ID_LEN))
    exclusive_target_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    mapping_type: Mapped[str] = mapped_column(String(NAME_LEN))
    extra_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    """A GitHub repository/organisation or Jira project routed to a Slack channel."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("source_service", "source_id", "channel_id", name="uq_subscription"),
        Index("ix_subscription_channel", "channel_id"),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    source_service: Mapped[str] = mapped_column(String(NAME_LEN))
    source_id: Mapped[str] = mapped_column(String(ID_LEN))
    channel_id: Mapped[str] = mapped_column(String(64))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DeliveryWorker(Base):
    """A running delivery worker process (`integrations.delivery.registry`): who it is, and
    when it last said it was alive.

    `id` begins every lease holder id of the process's threads (`integration_logs.locked_by`
    is `<id>:<thread>`), so the leases of a worker found dead are released by that prefix.
    `boot_id`, `pid_namespace` and `process_start` say whether `pid` on `host` is still this
    process; NULL where the platform cannot tell.
    """

    __tablename__ = "delivery_workers"
    __table_args__ = (Index("ix_delivery_worker_host", "host"), MYSQL_TABLE)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(NAME_LEN))
    host: Mapped[str] = mapped_column(String(ID_LEN))
    pid: Mapped[int] = mapped_column(Integer)
    boot_id: Mapped[str | None] = mapped_column(String(64))
    pid_namespace: Mapped[str | None] = mapped_column(String(64))
    process_start: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Person(Base):
    """One person: a Slack user and, when known, their Jira account and GitHub login.

    `jira_account_id` is the Cloud `accountId` or the Server/DC user `name`; `jira_key` the
    Server/DC user key (mentions may use either). `github_login` is stored lower-cased (logins
    are case-insensitive on GitHub) and unique: one login is one person. `*_match` says how a
    link was made: `email`, `name` (display name only: weaker) or `manual` (an override,
    which automatic matching never replaces).

    `notify`: whether the person gets direct messages at all (off until they opt in);
    `notify_off`: the kinds they switched off, comma-separated (`mentions,my-prs`).
    """

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("slack_user_id", name="uq_person_slack"),
        UniqueConstraint("github_login", name="uq_person_github"),
        Index("ix_person_jira_account", "jira_account_id"),
        Index("ix_person_jira_key", "jira_key"),
        Index("ix_person_email", "email"),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    slack_user_id: Mapped[str] = mapped_column(String(64))
    slack_name: Mapped[str | None] = mapped_column(String(ID_LEN))
    email: Mapped[str | None] = mapped_column(String(KEY_LEN))
    jira_account_id: Mapped[str | None] = mapped_column(String(KEY_LEN))
    jira_key: Mapped[str | None] = mapped_column(String(KEY_LEN))
    jira_display_name: Mapped[str | None] = mapped_column(String(ID_LEN))
    jira_match: Mapped[str | None] = mapped_column(String(16))
    github_login: Mapped[str | None] = mapped_column(String(64))
    github_match: Mapped[str | None] = mapped_column(String(16))
    notify: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    notify_off: Mapped[str] = mapped_column(String(128), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CardAction(Base):
    """What a person did to a Jira issue from its Slack card (`field` `status` or
    `assignee`, changed to `value`: the status name or the account id), and the thread of the
    card, whose reply said so. The Jira webhook that follows repeats it: it is matched here
    (`echo_integration_id`) and not said again in that thread."""

    __tablename__ = "card_actions"
    __table_args__ = (Index("ix_card_action_issue", "issue_key", "created_at"), MYSQL_TABLE)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    issue_key: Mapped[str] = mapped_column(String(KEY_LEN))
    field: Mapped[str] = mapped_column(String(NAME_LEN))
    value: Mapped[str] = mapped_column(String(ID_LEN))
    slack_user_id: Mapped[str] = mapped_column(String(64))
    thread: Mapped[str] = mapped_column(String(ID_LEN))
    echo_integration_id: Mapped[int | None] = mapped_column(BigIntPK, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelKeySetting(Base):
    """A channel where a bare Jira key (`PROJ-123`) in a message gets the issue's card in a
    thread reply (`/ticket settings keys on`)."""

    __tablename__ = "channel_key_settings"
    __table_args__ = (UniqueConstraint("channel_id", name="uq_channel_key_setting"), MYSQL_TABLE)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class KeyReply(Base):
    """When an issue's card was last shown for a bare key in a channel (the cooldown)."""

    __tablename__ = "key_replies"
    __table_args__ = (
        UniqueConstraint("channel_id", "issue_key", name="uq_key_reply"),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    issue_key: Mapped[str] = mapped_column(String(KEY_LEN))
    replied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewRequest(Base):
    """A pull request's review requested of a GitHub login, as the app's GitHub events last
    showed it (the App Home's "awaiting your review"). `pr_updated_at` is the pull request's
    `updated_at` in the event that said so: an older event (a late retry) changes nothing."""

    __tablename__ = "review_requests"
    __table_args__ = (
        UniqueConstraint("repository", "number", "reviewer", name="uq_review_request"),
        Index("ix_review_request_reviewer", "reviewer"),
        MYSQL_TABLE,
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    repository: Mapped[str] = mapped_column(String(KEY_LEN))
    number: Mapped[int] = mapped_column()
    reviewer: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(ID_LEN))
    url: Mapped[str] = mapped_column(String(512))
    author: Mapped[str | None] = mapped_column(String(100), nullable=True)
    pr_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
