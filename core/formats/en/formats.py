# As Django's English module; stated so both languages' amounts are defined in one place.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
