"""Number formats that differ from Django's for our languages (FORMAT_MODULE_PATH); every
other format (dates, times) falls through to Django's own module for the language."""
