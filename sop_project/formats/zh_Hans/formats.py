"""Simplified Chinese: "2026年11月25日 09:12 CST"; thousands grouped as 12,345, like English."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 (Django's, amended below)

DATETIME_FORMAT = "Y年n月j日 H:i T"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i T"
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
