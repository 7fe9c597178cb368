"""English: "Nov 25, 2026, 9:12 AM CST"; thousands grouped as 12,345."""

from django.conf.locale.en.formats import *  # noqa: F403 (Django's, amended below)

DATETIME_FORMAT = "M j, Y, g:i A T"
SHORT_DATETIME_FORMAT = "M j, Y, g:i A T"
TIME_FORMAT = "g:i A"
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
