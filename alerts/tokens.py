"""
Signed tokens for the alert links that work without logging in: unsubscribe (from a case, or from a
saved search). The calendar feed's address is a private address of its own (accounts.models), which
can be revoked.

All are signed with SECRET_KEY (django.core.signing), each with its own salt, so a token made for
one cannot be used for another. Neither expires: an email read a year later must still unsubscribe.
"""

from django.core import signing

UNSUBSCRIBE_SALT = "alerts.unsubscribe"
SEARCH_UNSUBSCRIBE_SALT = "alerts.unsubscribe.search"


def unsubscribe_token_make(*, user_id: int, case_id: int | None) -> str:
    """A token that turns emails off for one followed case, or for all of them when case_id is None."""
    return signing.dumps({"u": user_id, "c": case_id}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> tuple[int, int | None]:
    """(user id, case id or None); raises signing.BadSignature for a forged or damaged token."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise signing.BadSignature("Malformed unsubscribe token.")
    return data["u"], data.get("c")


def search_unsubscribe_token_make(*, user_id: int, saved_search_id: int) -> str:
    """A token that turns emails off for one saved search."""
    return signing.dumps({"u": user_id, "s": saved_search_id}, salt=SEARCH_UNSUBSCRIBE_SALT)


def search_unsubscribe_token_read(token: str) -> tuple[int, int]:
    """(user id, saved search id); raises signing.BadSignature for a forged or damaged token."""
    data = signing.loads(token, salt=SEARCH_UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("s"), int):
        raise signing.BadSignature("Malformed unsubscribe token.")
    return data["u"], data["s"]
