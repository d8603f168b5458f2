"""A password change or reset revokes the user's API tokens.

Django calls ``password_changed()`` of every entry of AUTH_PASSWORD_VALIDATORS after a new
password is saved, whatever the path: the reset link, the admin, ``changepassword``, or
``set_password()`` and ``save()`` in code. That makes it the one hook that no path can miss
(a hash upgrade at log-in does not call it). Whoever knew the old password may have created
tokens with it; a new password must shut them out as it shuts out their sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orion.accounts.models import User

HELP_TEXT = "Changing your password revokes all your API tokens."


class RevokeApiTokensOnPasswordChange:
    """Validates nothing; revokes the user's tokens once a new password is saved."""

    def validate(self, password: str, user: User | None = None) -> None:
        return None

    def password_changed(self, password: str, user: User | None = None) -> None:
        if user is None or user.pk is None:
            return
        from orion.api.services import tokens_revoke_all

        tokens_revoke_all(user=user, reason="password changed")

    def get_help_text(self) -> str:
        return HELP_TEXT
