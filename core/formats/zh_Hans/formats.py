# Django groups Chinese numbers by four with no separator (1200.00 beside English 1,200.00);
# amounts in Chinese finance and in CLDR's zh locale are grouped by three with commas.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
