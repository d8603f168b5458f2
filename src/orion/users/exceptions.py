from __future__ import annotations

from orion.core.exceptions import OrionError


class UserError(OrionError):
    """A user (seat) refused by BroadWorks' rules; ``field`` names the control."""

    code = "user_invalid"


class UsersInvalid(UserError):
    """A set of users (the users sheet, the API's list) with errors: ``rows`` maps each row
    (1-based, as the sheet counts them) to its messages; nothing was saved."""

    code = "users_invalid"

    def __init__(self, rows: dict[int, list[str]], *, message: str = ""):
        count = len(rows)
        super().__init__(message or f"{count} row{'s' if count != 1 else ''} of the users have "
                         "errors; nothing was saved. Correct them and try again.")
        self.rows = rows
        # The API's per-field errors: ``users.<row>`` (``users`` for the sheet as a whole).
        self.errors = {(f"users.{number}" if number else "users"): messages
                       for number, messages in rows.items()}
