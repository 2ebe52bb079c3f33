"""Who manages which store (`Store.manager`): the person new tasks routed to a store's manager
go to, and who, without the review permission, sees that store's tasks."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from cxm.models import User
from odata.models import Store


def set_managed_stores(*, manager: User, stores: Iterable[Store]) -> None:
    """Make `manager` the manager of exactly `stores`: each is taken from whoever managed it,
    and stores `manager` managed but are not listed are left without a manager. Idempotent;
    only rows that change are written, so other stores' rows are not touched."""
    chosen = {store.pk for store in stores}
    with transaction.atomic():
        Store.objects.filter(manager=manager).exclude(pk__in=chosen).update(manager=None)
        Store.objects.filter(pk__in=chosen).exclude(manager=manager).update(manager=manager)
