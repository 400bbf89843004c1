"""The /api/v1 routes, one module per resource."""

from . import accounts, auth, tasks

# Every router of /api/v1, in the order they are documented.
ROUTERS = [auth.router, accounts.router, tasks.router]
