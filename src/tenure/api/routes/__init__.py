"""The /api/v1 routes, one module per resource."""

from . import (
    accounts,
    activities,
    auth,
    metrics,
    onboarding,
    playbooks,
    portfolio,
    privacy,
    tasks,
    users,
    voice,
)

# Every router of /api/v1, in the order they are documented.
ROUTERS = [auth.router, accounts.router, tasks.router, metrics.router, portfolio.router,
           playbooks.router, onboarding.router, activities.router, voice.router, users.router,
           privacy.router]
