"""the CSM's work: tasks, the notification outbox, playbook runs, onboarding plans and
milestones, success goals, touchpoints logged in Tenure

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "logged_activities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("contact_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logged_activities")),
    )
    op.create_index(
        op.f("ix_logged_activities_account_id"), "logged_activities", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_logged_activities_occurred_at"), "logged_activities", ["occurred_at"], unique=False
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("account_id", sa.String(length=255), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_notifications_dedup_key")),
    )
    op.create_index(
        op.f("ix_notifications_account_id"), "notifications", ["account_id"], unique=False
    )
    op.create_index(op.f("ix_notifications_channel"), "notifications", ["channel"], unique=False)
    op.create_index(
        op.f("ix_notifications_next_attempt_at"), "notifications", ["next_attempt_at"], unique=False
    )
    op.create_index(op.f("ix_notifications_status"), "notifications", ["status"], unique=False)
    op.create_index(op.f("ix_notifications_task_id"), "notifications", ["task_id"], unique=False)
    op.create_table(
        "onboarding_milestones",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("completed_by", sa.String(length=320), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_milestones")),
    )
    op.create_index(
        op.f("ix_onboarding_milestones_account_id"),
        "onboarding_milestones",
        ["account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_onboarding_milestones_plan_id"), "onboarding_milestones", ["plan_id"], unique=False
    )
    op.create_table(
        "onboarding_plans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("template", sa.String(length=128), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("value_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_plans")),
    )
    op.create_index(
        op.f("ix_onboarding_plans_account_id"), "onboarding_plans", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_onboarding_plans_status"), "onboarding_plans", ["status"], unique=False
    )
    op.create_table(
        "playbook_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("tasks_created", sa.Integer(), nullable=False),
        sa.Column("notifications_queued", sa.Integer(), nullable=False),
        sa.Column("enrolled", sa.Integer(), nullable=False),
        sa.Column("per_playbook", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_runs")),
    )
    op.create_index(op.f("ix_playbook_runs_as_of"), "playbook_runs", ["as_of"], unique=False)
    op.create_table(
        "success_goals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("metric", sa.String(length=128), nullable=True),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("current", sa.Float(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("achieved_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_success_goals")),
    )
    op.create_index(
        op.f("ix_success_goals_account_id"), "success_goals", ["account_id"], unique=False
    )
    op.create_index(op.f("ix_success_goals_status"), "success_goals", ["status"], unique=False)
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("playbook", sa.String(length=128), nullable=True),
        sa.Column("reason_key", sa.String(length=255), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("steps", sa.Text(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=True),
        sa.Column("band", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("segment", sa.String(length=128), nullable=True),
        sa.Column("arr", sa.Float(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=320), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index(op.f("ix_tasks_account_id"), "tasks", ["account_id"], unique=False)
    op.create_index(op.f("ix_tasks_created_on"), "tasks", ["created_on"], unique=False)
    op.create_index(op.f("ix_tasks_owner"), "tasks", ["owner"], unique=False)
    op.create_index(op.f("ix_tasks_playbook"), "tasks", ["playbook"], unique=False)
    op.create_index(op.f("ix_tasks_status"), "tasks", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tasks_status"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_playbook"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_owner"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_created_on"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_account_id"), table_name="tasks")
    op.drop_table("tasks")
    op.drop_index(op.f("ix_success_goals_status"), table_name="success_goals")
    op.drop_index(op.f("ix_success_goals_account_id"), table_name="success_goals")
    op.drop_table("success_goals")
    op.drop_index(op.f("ix_playbook_runs_as_of"), table_name="playbook_runs")
    op.drop_table("playbook_runs")
    op.drop_index(op.f("ix_onboarding_plans_status"), table_name="onboarding_plans")
    op.drop_index(op.f("ix_onboarding_plans_account_id"), table_name="onboarding_plans")
    op.drop_table("onboarding_plans")
    op.drop_index(op.f("ix_onboarding_milestones_plan_id"), table_name="onboarding_milestones")
    op.drop_index(op.f("ix_onboarding_milestones_account_id"), table_name="onboarding_milestones")
    op.drop_table("onboarding_milestones")
    op.drop_index(op.f("ix_notifications_task_id"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_status"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_next_attempt_at"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_channel"), table_name="notifications")
    op.drop_index(op.f("ix_notifications_account_id"), table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_logged_activities_occurred_at"), table_name="logged_activities")
    op.drop_index(op.f("ix_logged_activities_account_id"), table_name="logged_activities")
    op.drop_table("logged_activities")
