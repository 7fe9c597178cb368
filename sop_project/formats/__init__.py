"""The project's own date, time and number formats (``FORMAT_MODULE_PATH``), over Django's.

Both languages group thousands with a comma (Django's Chinese formats group nothing, so
``intcomma`` printed 12345), and every date-time names its time zone (the business's,
``TIME_ZONE``), without the abbreviation periods ("a.m.") that doubled up at a sentence's end.
"""
