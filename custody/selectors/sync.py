"""What a syncing client may learn was deleted: the tombstones of the firms it may see."""

from core.models import Tombstone
from custody.selectors.scope import firm_scoped


def tombstones_visible_to(user):
    # A tombstone keeps its incubator itself: the firm row it named may be gone.
    return firm_scoped(user, Tombstone.objects.all(), incubator="incubator_id")
