"""
Signals the project package sends, for the metrics to listen to.
"""

from django.dispatch import Signal

# Sent when a request is refused by a rate limit. Arguments: request, group.
request_rate_limited = Signal()
