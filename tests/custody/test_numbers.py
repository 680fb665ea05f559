import pytest

from custody import numbers

# Application numbers as CNIPA published them, read off Google Patents pages:
# CN101799803B (Huawei), CN1859795A (Huawei), CN103517202B (Tencent),
# CN103213109B (Bosch), CN102685071B (Tencent), CN104965212A, and the utility
# model CN205012521U.
PUBLISHED = [
    "200910005164.2",
    "200610058517.1",
    "201210213176.6",
    "201310018767.2",
    "201110057777.8",
    "201510230092.7",
    "201520546560.7",
]


@pytest.mark.parametrize("published", PUBLISHED)
def test_published_application_numbers_carry_the_check_digit_we_compute(published):
    digits, check = published.split(".")
    assert numbers.patent_check_digit(digits) == check
    assert str(numbers.parse_patent_number(published)) == published


def test_a_published_utility_model_reads_as_one():
    assert numbers.parse_patent_number("CN201520546560.7").patent_type == numbers.UTILITY_MODEL


def test_check_digit_ten_is_written_x():
    # A commonly quoted example, 201910123456.7, is itself wrong: its remainder is 10.
    assert numbers.patent_check_digit("201910123456") == "X"
    assert numbers.parse_patent_number("201910123456.x").check == "X"


@pytest.mark.parametrize(
    "raw",
    ["ZL 2009 1 0005164.2", "CN200910005164.2", "2009100051642", " zl200910005164.2 "],
)
def test_prefixes_spaces_and_the_dot_are_optional(raw):
    parsed = numbers.parse_patent_number(raw)
    assert str(parsed) == "200910005164.2"
    assert parsed.patent_type == numbers.INVENTION
    assert parsed.year == 2009


@pytest.mark.parametrize(
    ("fifth", "patent_type", "pct"),
    [
        ("1", numbers.INVENTION, False),
        ("2", numbers.UTILITY_MODEL, False),
        ("3", numbers.DESIGN, False),
        ("8", numbers.INVENTION, True),
        ("9", numbers.UTILITY_MODEL, True),
    ],
)
def test_the_fifth_digit_gives_the_type(fifth, patent_type, pct):
    digits = f"2020{fifth}0012345"
    parsed = numbers.parse_patent_number(digits + numbers.patent_check_digit(digits))
    assert (parsed.patent_type, parsed.pct) == (patent_type, pct)


def test_a_wrong_check_digit_names_the_right_one():
    with pytest.raises(numbers.NumberError) as caught:
        numbers.parse_patent_number("200910005164.7")
    assert "the check digit should be 2" in caught.value.message


def test_a_missing_check_digit_names_the_right_one():
    with pytest.raises(numbers.NumberError) as caught:
        numbers.parse_patent_number("CN200910005164")
    assert "the check digit should be 2" in caught.value.message


def test_an_unknown_type_digit_is_refused():
    digits = "202040012345"
    with pytest.raises(numbers.NumberError, match="5th digit 4"):
        numbers.parse_patent_number(digits + numbers.patent_check_digit(digits))


@pytest.mark.parametrize("raw", ["", "97101765.4", "2019101234567X", "AB201910123456.7"])
def test_malformed_patent_numbers_are_refused(raw):
    with pytest.raises(numbers.NumberError):
        numbers.parse_patent_number(raw)


def test_trademark_numbers_are_digits():
    assert numbers.normalise_trademark_number(" 1234 5678 ") == "12345678"
    with pytest.raises(numbers.NumberError):
        numbers.normalise_trademark_number("12A45")


def test_software_copyright_numbers():
    assert numbers.normalise_software_number("2023 sr 0123456") == "2023SR0123456"
    with pytest.raises(numbers.NumberError):
        numbers.normalise_software_number("2023RS0123456")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("9, 35; 42", [9, 35, 42]), ("42 9 9", [9, 42]), ([45, "1"], [1, 45]), ("9，35", [9, 35])],
)
def test_nice_classes_parse_sorted_and_unique(raw, expected):
    assert numbers.parse_nice_classes(raw) == expected


@pytest.mark.parametrize("raw", ["", "0", "46", "9, x"])
def test_nice_classes_outside_1_to_45_are_refused(raw):
    with pytest.raises(numbers.NumberError):
        numbers.parse_nice_classes(raw)


# --- #14 item 9: only the digits 0–9, full-width forms read as ASCII, years in range --------


@pytest.mark.parametrize(
    "typed",
    [
        "２００９１０００５１６４．２",
        "ＣＮ２00910005164.2",
        "ｚｌ200910005164．2",
        "２00910005164.2",
    ],
)
def test_item_09_fullwidth_digits_are_read_as_ascii(typed):
    assert str(numbers.parse_patent_number(typed)) == "200910005164.2"


def test_item_09_fullwidth_trademark_software_and_nice_classes():
    assert numbers.normalise_trademark_number("１２３４５６７") == "1234567"
    assert numbers.normalise_software_number("２０２３ｓｒ０１２３４５６") == "2023SR0123456"
    assert numbers.parse_nice_classes("９，３５；４２") == [9, 35, 42]


@pytest.mark.parametrize(
    "foreign",
    [
        "٢٠٠٩١٠٠٠٥١٦٤.٢",  # Arabic-Indic
        "२00910005164.2",  # Devanagari
        "𝟐00910005164.2",  # mathematical bold
        "²00910005164.2",  # superscript
    ],
)
def test_item_09_other_scripts_digits_are_refused_by_name(foreign):
    with pytest.raises(numbers.NumberError) as caught:
        numbers.parse_patent_number(foreign)
    assert "digits 0–9" in caught.value.message
    for parse in (numbers.normalise_trademark_number, numbers.normalise_software_number):
        with pytest.raises(numbers.NumberError):
            parse(
                foreign[:4] + "SR0123456"
                if parse is numbers.normalise_software_number
                else foreign[:6]
            )
    with pytest.raises(numbers.NumberError):
        numbers.parse_nice_classes(foreign[:1])


@pytest.mark.parametrize("year", ["1999", "2002", "2999", "9999"])
def test_item_09_patent_years_outside_the_scheme_are_refused(year):
    digits = f"{year}10005164"
    with pytest.raises(numbers.NumberError) as caught:
        numbers.parse_patent_number(digits + numbers.patent_check_digit(digits))
    assert f"year {year}" in caught.value.message


@pytest.mark.parametrize("year", ["1900", "1991", "3000"])
def test_item_09_software_years_outside_the_register_are_refused(year):
    with pytest.raises(numbers.NumberError) as caught:
        numbers.normalise_software_number(f"{year}SR0123456")
    assert f"year {year}" in caught.value.message


# --- Issue #16 -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["0", "000", " 0 "])
def test_defect_14_trademark_number_zero_is_refused(raw):
    with pytest.raises(numbers.NumberError):
        numbers.normalise_trademark_number(raw)


@pytest.mark.parametrize("raw", ["02123456.7", "ZL 99 1 23456.X", "CN01123456"])
def test_defect_14_old_format_patent_numbers_are_named_as_such(raw):
    with pytest.raises(numbers.NumberError) as caught:
        numbers.parse_patent_number(raw)
    assert "October 2003" in caught.value.message
