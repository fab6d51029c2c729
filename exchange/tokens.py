"""The private part of a user's feed addresses: a signature of the user's id, as for the calendar feed."""

from django.core import signing

FEED_SALT = "exchange.feed"


def feed_token_make(*, user_id: int) -> str:
    return signing.Signer(salt=FEED_SALT).sign(str(user_id))


def feed_token_read(token: str) -> int:
    """The user id; raises signing.BadSignature for a forged or damaged token."""
    value = signing.Signer(salt=FEED_SALT).unsign(token)
    if not value.isdigit():
        raise signing.BadSignature("Malformed feed token.")
    return int(value)
