"""People and roles (admins only): list, add (a generated password, shown once), change a
role or switch someone off."""

from __future__ import annotations

from fastapi import APIRouter

from ...access import add_user, list_users, record_audit, update_user
from ..deps import AdminUser, AppDep, Clock
from ..errors import ERROR_RESPONSES
from ..schemas import UserCreated, UserIn, UserPublic, UserUpdate

router = APIRouter(tags=["users"], responses=ERROR_RESPONSES)


@router.get("/users", response_model=list[UserPublic])
def get_users(app: AppDep, admin: AdminUser, clock: Clock) -> list[UserPublic]:
    """Everyone who may sign in (or could: ``active`` false), by email."""
    rows = list_users(app.store)
    record_audit(app.store, who=admin, action="user.list", via="api", now=clock(),
                 object_type="user")
    return [UserPublic(**u) for u in rows]


@router.post("/users", response_model=UserCreated, status_code=201)
def post_user(body: UserIn, app: AppDep, admin: AdminUser, clock: Clock) -> UserCreated:
    """Add a person with a role; the answer carries their generated password, once."""
    now = clock()
    user, password = add_user(app.store, email=body.email, role=body.role, name=body.name,
                              now=now)
    record_audit(app.store, who=admin, action="user.add", via="api", now=now,
                 object_type="user", object_id=str(user["id"]),
                 detail={"email": user["email"], "role": body.role})
    assert password is not None  # generated: no password was given
    return UserCreated(**user, password=password)


@router.patch("/users/{user_id}", response_model=UserPublic)
def patch_user(user_id: int, body: UserUpdate, app: AppDep, admin: AdminUser,
               clock: Clock) -> UserPublic:
    """Change a person's role, or switch them off (``active``: false) or on again."""
    now = clock()
    changes = body.model_dump(exclude_none=True)
    user = update_user(app.store, user_id, **changes)
    record_audit(app.store, who=admin, action="user.update", via="api", now=now,
                 object_type="user", object_id=str(user_id), detail=changes)
    return UserPublic(**user)
