"""Writes of the accounts app: private addresses."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import PrivateAddress
from .readers import active_reader
from .security import security_event

# A read of a private address records its use at most this often: feed readers poll every few
# minutes, and each poll must not be a write.
LAST_USED_EVERY = datetime.timedelta(minutes=5)


def private_address_create(*, user: AbstractBaseUser, purpose: str, label: str = "") -> PrivateAddress:
    address = PrivateAddress.objects.create(user=user, purpose=purpose, label=label.strip()[:80])
    security_event("private_address_created", user=user.get_username(), purpose=purpose, address_id=address.pk)
    return address


def private_address_revoke(*, address: PrivateAddress, by: AbstractBaseUser) -> PrivateAddress:
    """From now on the address answers 404; the row stays, so the list shows what was revoked when."""
    if address.revoked_at is None:
        address.revoked_at = timezone.now()
        address.save(update_fields=["revoked_at"])
        security_event("private_address_revoked", user=by.get_username(), purpose=address.purpose, address_id=address.pk)
    return address


def private_address_rotate(*, address: PrivateAddress, by: AbstractBaseUser) -> PrivateAddress:
    """A new address in place of this one, which stops working at once; same purpose and label."""
    with transaction.atomic():
        private_address_revoke(address=address, by=by)
        return private_address_create(user=address.user, purpose=address.purpose, label=address.label)


def private_address_reader(*, key: str, purpose: str, now: datetime.datetime | None = None):
    """The user an active address of this purpose belongs to, if they may still read cases; else None.
    Records the use (at most every LAST_USED_EVERY)."""
    address = PrivateAddress.objects.active().filter(key=key, purpose=purpose).only("id", "user_id", "last_used_at").first()
    if address is None:
        return None
    user = active_reader(user_id=address.user_id)
    if user is None:
        return None
    now = now or timezone.now()
    if address.last_used_at is None or now - address.last_used_at >= LAST_USED_EVERY:
        PrivateAddress.objects.filter(pk=address.pk).update(last_used_at=now)
    return user
