"""Reads about notifications: a user's inbox."""

from django.db.models import (
    QuerySet,
)

from recovery.models import (
    Notification,
)
from staff.models import User


def notifications_of(user: User) -> QuerySet[Notification]:
    """The caller's own inbox, newest first."""
    return Notification.objects.filter(recipient=user).select_related("complaint").order_by("-created_at", "-id")
