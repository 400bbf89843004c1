"""Playbooks: the ones in force, and whether their tasks helped (managers and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...playbooks import describe_action, describe_trigger, load_playbooks
from ...playbooks.effect import playbook_effect
from ..deps import AppDep, Clock, CurrentUser, ManagerUser
from ..errors import ERROR_RESPONSES
from ..schemas import PlaybookEffectReport, PlaybookPublic

router = APIRouter(tags=["playbooks"], responses=ERROR_RESPONSES)


@router.get("/playbooks", response_model=list[PlaybookPublic])
def list_playbooks(app: AppDep, _user: CurrentUser) -> list[PlaybookPublic]:
    """The enabled playbooks, in declaration order (built-in ones first)."""
    return [PlaybookPublic(name=p.name, title=p.title, description=p.description,
                           trigger=describe_trigger(p.trigger), when=p.when,
                           actions=[describe_action(a) for a in p.actions], builtin=p.builtin)
            for p in load_playbooks(app.settings)]


@router.get("/playbooks/effect", response_model=PlaybookEffectReport)
def get_playbook_effect(
    app: AppDep, _user: ManagerUser, clock: Clock,
    playbook: Annotated[str | None, Query(max_length=128)] = None,
    horizon_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
) -> PlaybookEffectReport:
    """Churn within the horizon after each playbook's tasks against matched controls (an
    observational comparison; company-wide, so managers and admins only)."""
    with app.reading() as view:
        report = playbook_effect(view, as_of=clock().date(), horizon_days=horizon_days,
                                 playbook=playbook)
    return PlaybookEffectReport(**report.as_dict())
