from django import template

register = template.Library()


@register.filter
def minutes(duration) -> int:
    """A timedelta in whole minutes (the lock-out page names how long the block lasts)."""
    return int(duration.total_seconds() // 60) if duration else 0
