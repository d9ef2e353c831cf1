"""Phone numbers as Vietnamese customers write them in chat, and what is not a phone."""

import pytest

from conversations.phone_parsing import normalise, phones_in

# (what the customer wrote, the numbers found, E.164)
SPELLINGS = [
    ("sdt em 0912345678 nha shop", ["+84912345678"]),
    ("0912 345 678", ["+84912345678"]),
    ("0912.345.678", ["+84912345678"]),
    ("0912-345-678", ["+84912345678"]),
    ("091 234 5678", ["+84912345678"]),
    ("091.234.5678 gọi giờ hành chính", ["+84912345678"]),
    ("+84912345678", ["+84912345678"]),
    ("+84 912 345 678", ["+84912345678"]),
    ("+84-912-345-678", ["+84912345678"]),
    ("(+84) 912 345 678", ["+84912345678"]),
    ("84912345678", ["+84912345678"]),
    ("84 912 345 678", ["+84912345678"]),
    ("+84 0912 345 678", ["+84912345678"]),
    ("0084 912 345 678", ["+84912345678"]),
    ("sđt: 0987.654.321 ạ", ["+84987654321"]),
    ("sdt0987654321", ["+84987654321"]),
    ("Sđt.0987654321 giao giờ hành chính", ["+84987654321"]),
    ("zalo 0387 123 456 nhé", ["+84387123456"]),
    ("Zalo:0387123456", ["+84387123456"]),
    ("0 9 1 2 3 4 5 6 7 8", ["+84912345678"]),
    ("09 12 34 56 78", ["+84912345678"]),
    ("gọi e số 0703.456.789", ["+84703456789"]),
    ("0563 456 789 vietnamobile", ["+84563456789"]),
    ("0593456789", ["+84593456789"]),
    ("0812345678", ["+84812345678"]),
    # the 2018 renumbering: 11-digit mobiles are stored in their 10-digit form
    ("sdt cũ 01682345678", ["+84382345678"]),
    ("0168.234.5678", ["+84382345678"]),
    ("0168 234 5678", ["+84382345678"]),
    ("+84 168 234 5678", ["+84382345678"]),
    ("01234567890", ["+84834567890"]),
    ("0122 345 6789", ["+84773456789"]),
    ("01993456789", ["+84593456789"]),
    ("01883456789", ["+84583456789"]),
    # landlines with the 2017 area codes
    ("(028) 3823 4567", ["+842838234567"]),
    ("028.3823.4567", ["+842838234567"]),
    ("024 3942 1234 máy bàn", ["+842439421234"]),
    ("0236 3822 123", ["+842363822123"]),
    # two numbers in one message
    ("0912345678 hoặc 0987654321", ["+84912345678", "+84987654321"]),
    ("0912345678 0987654321", ["+84912345678", "+84987654321"]),
    ("0912345678 / 0912.345.678", ["+84912345678"]),
    ("chị Lan, 12 Trần Hưng Đạo, Q1, sđt 0909 123 456, lấy 2 cái", ["+84909123456"]),
    ("Giao cho e về 0909123456.", ["+84909123456"]),
]

NOT_PHONES = [
    "giá 1.250.000đ ạ",
    "bao nhiêu tiền vậy shop, 250k được không",
    "mã đơn DH0912345678",
    "đơn #0912345678 chưa giao",
    "đặt hôm 07-12-2026 mà chưa thấy",
    "ngày 07.12.2026 nhận hàng",
    "size 38 39 40 còn không",
    "lấy 2 cái màu đen, 1 cái trắng",
    "stk 19036655443011 techcombank",
    "mã vận đơn GHN8420123456",
    "0123456789",  # 10 digits starting 012: never a number after 2018
    "091234567",  # one digit short
    "09123456789",  # one digit too many
    "1900 1234",  # a hotline, not a customer's number
    "18001234",
    "",
    "không có số",
]


@pytest.mark.parametrize(("text", "expected"), SPELLINGS)
def test_spellings_from_chat_are_found_as_e164(text, expected):
    assert [p.e164 for p in phones_in(text)] == expected


@pytest.mark.parametrize("text", NOT_PHONES)
def test_prices_dates_codes_and_counts_are_not_phones(text):
    assert phones_in(text) == []


def test_at_least_thirty_spellings_are_covered():
    assert len(SPELLINGS) >= 30


def test_mobile_and_landline_are_told_apart_and_what_was_typed_is_kept():
    found = phones_in("di động 0912.345.678, bàn (028) 3823 4567")
    assert [(p.kind, p.typed) for p in found] == [
        ("mobile", "0912.345.678"),
        ("landline", "(028) 3823 4567"),
    ]


def test_normalise_refuses_foreign_and_partial_numbers():
    assert normalise("+1 415 555 2671") is None
    assert normalise("0912") is None
    assert normalise("0912 345 678").e164 == "+84912345678"
