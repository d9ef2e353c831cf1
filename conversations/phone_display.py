"""Phone numbers as sellers read and type them: a Vietnamese number in its national form
(0826 891 787), a foreign one in international form (+1 415-555-2671). Stored values stay E.164."""

import phonenumbers

HOME_REGION = "VN"


def phone_display(value: str) -> str:
    if not value:
        return ""
    try:
        number = phonenumbers.parse(str(value), HOME_REGION)
    except phonenumbers.NumberParseException:
        return str(value)
    if not phonenumbers.is_possible_number(number):
        return str(value)
    if phonenumbers.region_code_for_number(number) == HOME_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
