"""Kazakh date and number formats, which Django does not ship (it would write "Қыр. 30, 2026"
and 09/30/2026). As Kazakh writes them: "2026 жылғы 30 қыркүйек", 30.09.2026, 14:05."""

DATE_FORMAT = r"Y \ж\ы\л\ғ\ы j F"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = r"Y \ж\ы\л\ғ\ы j F, H:i"
YEAR_MONTH_FORMAT = r"Y \ж\ы\л\ғ\ы F"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y"]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M",
    "%d.%m.%y %H:%M:%S",
    "%d.%m.%y %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space
NUMBER_GROUPING = 3
