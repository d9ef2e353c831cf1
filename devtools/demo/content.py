"""What the demo shop and its customers say: names, products, places and phrase pools.

A fashion shop ("Shop demo") selling clothes, shoes and bags on three fanpages, a Zalo OA,
a Shopee shop and a customer-service mailbox. Everything is plain data; the dialogues and the
builders decide how it is combined.
"""

import unicodedata

WORKSPACE_NAME = "Shop demo"
WORKSPACE_TIME_ZONE = "Asia/Ho_Chi_Minh"
SEED = 20240611  # fixed: the same command builds the same demo

# --- people -------------------------------------------------------------------------------

FAMILY_NAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trịnh", "Đinh", "Mai", "Cao",
]  # fmt: skip
FEMALE_MIDDLE = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Bảo", "Phương", "Kim", "Hồng", "Mỹ"]
FEMALE_GIVEN = [
    "Anh", "Linh", "Trang", "Hương", "Hà", "Ngân", "Vy", "Nhi", "Thảo", "Hằng", "Yến",
    "Trâm", "Quỳnh", "Mai", "Hoa", "Nhung", "Giang", "Oanh", "Diệp", "Tiên", "Châu", "My",
]  # fmt: skip
MALE_MIDDLE = ["Văn", "Đức", "Minh", "Quốc", "Hoàng", "Thành", "Gia", "Hữu", "Anh", "Công"]
MALE_GIVEN = [
    "Nam", "Hùng", "Dũng", "Long", "Khoa", "Phúc", "Huy", "Tùng", "Sơn", "Đạt", "Bình",
    "Quân", "Hiếu", "Tâm", "Kiên", "Trung", "Khánh", "Vinh",
]  # fmt: skip
# Facebook display names people pick for themselves.
NICKNAMES = [
    "Mẹ Bống", "Mẹ Bắp", "Bé Na", "Su Kem", "Heo Con", "Nấm Lùn", "Mèo Mập", "Cún Con",
    "Gấu Trúc", "Kem Dâu", "Bông Bông", "Mít Ướt", "Tiểu Yến", "Sóc Nâu", "Bơ Tươi",
]  # fmt: skip
FEMALE_SHARE = 0.78  # who writes to a women's fashion shop

# How busy each local hour is: evenings after work are the peak of chat shopping.
HOUR_WEIGHTS = [2, 1, 0.5, 0.3, 0.3, 0.5, 1.5, 3, 5, 7, 8, 8, 7, 6, 6, 6, 6, 6, 7, 9, 10, 10, 8, 5]
# Share of conversations per channel account, in workspace.CHANNELS order.
CHANNEL_WEIGHTS = [26, 20, 14, 17, 13, 10]

# --- what the shop sells ------------------------------------------------------------------

# (name, price in VND, sizes)
PRODUCTS = [
    ("Áo thun cotton basic", 159000, "S M L XL"),
    ("Áo sơ mi lụa công sở", 285000, "S M L"),
    ("Váy hoa nhí dáng xòe", 320000, "S M L"),
    ("Đầm maxi đi biển", 390000, "M L"),
    ("Quần jean ống rộng", 350000, "S M L XL"),
    ("Quần short kaki", 199000, "S M L"),
    ("Chân váy tennis", 179000, "S M L"),
    ("Áo khoác gió 2 lớp", 420000, "M L XL"),
    ("Set đồ bộ mặc nhà", 230000, "M L XL"),
    ("Áo len cổ lọ", 260000, "S M L"),
    ("Giày sneaker trắng", 450000, "36 37 38 39 40"),
    ("Sandal quai mảnh", 210000, "35 36 37 38 39"),
    ("Túi tote canvas", 125000, ""),
    ("Túi xách mini da PU", 295000, ""),
    ("Nón bucket", 89000, ""),
]
COLORS = ["trắng", "đen", "be", "xanh than", "hồng pastel", "nâu", "xám", "đỏ đô", "xanh mint"]
CITIES = [
    "Hà Nội", "TP.HCM", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Huế", "Nha Trang", "Vũng Tàu",
    "Biên Hòa", "Thủ Dầu Một", "Quy Nhơn", "Nam Định", "Vinh", "Buôn Ma Thuột", "Long Xuyên",
]  # fmt: skip
ADDRESSES = [
    "ngõ 68 Cầu Giấy, Hà Nội",
    "hẻm 45 Nguyễn Trãi, Quận 5, TP.HCM",
    "thôn Phú Sơn, xã Hòa Tiến, Hòa Vang, Đà Nẵng",
    "KTX khu B ĐHQG, Dĩ An, Bình Dương",
    "chung cư Ehome 3, Bình Tân, TP.HCM",
    "đường Lạch Tray, Ngô Quyền, Hải Phòng",
    "phố Hàng Bông, Hoàn Kiếm, Hà Nội",
    "đường 30/4, Ninh Kiều, Cần Thơ",
    "tổ 5 phường Vĩnh Hải, Nha Trang",
    "ngõ Thịnh Quang, Đống Đa, Hà Nội",
    "đường Lê Duẩn, TP Huế",
    "khu phố 3, phường Trảng Dài, Biên Hòa",
    "hẻm 120 Lê Văn Sỹ, Quận 3, TP.HCM",
    "xóm Trại, xã Yên Nghĩa, Hà Đông, Hà Nội",
]
WEEKDAYS = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]
# Mobile prefixes of Viettel, Vinaphone, Mobifone, Vietnamobile (after the 2018 renumbering).
MOBILE_PREFIXES = [
    "032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "070", "076",
    "077", "078", "079", "081", "082", "083", "084", "085", "086", "088", "090", "091",
    "093", "094", "096", "097", "098",
]  # fmt: skip
SHIP_FEE_VND = 30000
FREESHIP_FROM_VND = 500000

# --- the shop's own sets ------------------------------------------------------------------

# Every fanpage has its own label set; the other channels use the workspace-wide set.
PAGE_LABELS = [
    ("Đã chốt", "#16a34a"),
    ("Hỏi giá", "#2563eb"),
    ("Hỏi size", "#0891b2"),
    ("Đổi trả", "#dc2626"),
    ("Ship COD", "#f59e0b"),
    ("Khách sỉ", "#7c3aed"),
]
WORKSPACE_LABELS = [
    ("Đã chốt", "#16a34a"),
    ("Đổi trả", "#dc2626"),
    ("VIP", "#db2777"),
    ("Bom hàng", "#111827"),
    ("Chờ chuyển khoản", "#ea580c"),
    ("Xuất hóa đơn", "#475569"),
]
TOPIC_LABELS = {
    "price": "Hỏi giá",
    "size": "Hỏi size",
    "stock": "Hỏi giá",
    "shipping": "Ship COD",
    "returns": "Đổi trả",
    "wholesale": "Khách sỉ",
    "invoice": "Xuất hóa đơn",
}

QUICK_REPLIES = [
    ("chao", "Dạ shop chào chị ạ 🥰 Chị cần em tư vấn mẫu nào ạ?"),
    ("gia", "Dạ mẫu này đang giảm còn 159k ạ, mua từ 2 sản phẩm shop giảm thêm 10% nha chị."),
    ("size", "Dạ chị cho em xin chiều cao, cân nặng để em tư vấn size chuẩn nhất nha."),
    (
        "ship",
        "Dạ shop ship COD toàn quốc, nội thành 1-2 ngày, ngoại thành 3-4 ngày ạ. Chị được "
        "kiểm tra hàng trước khi thanh toán nha.",
    ),
    ("phiship", "Dạ phí ship đồng giá 30k, đơn từ 500k shop freeship ạ."),
    (
        "doitra",
        "Dạ shop hỗ trợ đổi size, đổi mẫu trong 7 ngày kể từ khi nhận hàng. Chị giữ "
        "nguyên tem mác và hóa đơn giúp em nha.",
    ),
    (
        "stk",
        "Dạ chị chuyển khoản giúp em vào STK Vietcombank 0071 0001 23456, chủ tài khoản "
        "CONG TY TNHH SHOP DEMO. Chuyển xong chị gửi ảnh chụp giúp em nha ạ.",
    ),
    ("diachi", "Dạ chị cho em xin tên, số điện thoại và địa chỉ nhận hàng để em lên đơn ạ."),
    (
        "chotdon",
        "Dạ em đã lên đơn cho chị rồi ạ, 2-3 ngày chị nhận hàng nha. Cảm ơn chị đã ủng hộ shop ❤️",
    ),
    (
        "hethang",
        "Dạ mẫu này tạm hết rồi ạ, khoảng 3-4 ngày nữa có hàng lại, em báo chị ngay khi về nha.",
    ),
    ("camon", "Dạ shop cảm ơn chị nhiều ạ, chị cần gì cứ nhắn shop nha 🥰"),
    ("si", "Dạ từ 20 sản phẩm shop tính giá sỉ ạ. Chị để lại số Zalo để bên em gửi bảng giá nha."),
]

CUSTOMER_NOTES = [
    "Khách quen từ năm ngoái, thích form rộng, hay mua màu be.",
    "Đã mua 4 đơn, lần nào cũng nhận hàng đúng hẹn. Ưu tiên freeship.",
    "Từng bom hàng 1 lần: đơn sau yêu cầu chuyển khoản cọc trước.",
    "Khách sỉ ở Hải Phòng, lấy 50-100 sản phẩm mỗi đợt, báo giá qua Zalo.",
    "Muốn được báo khi có lại màu be size L.",
    "Hay đổi size: tư vấn kỹ số đo trước khi chốt.",
    "Giao giờ hành chính, gọi trước 15 phút.",
    "Cần xuất hóa đơn VAT cho công ty.",
]

# Internal notes agents leave in a conversation (kind="note").
NOTES = [
    "Khách quen, lần trước mua 3 áo thun. Nhớ freeship cho khách.",
    "Đã gọi xác nhận đơn, khách hẹn giao giờ hành chính.",
    "Chờ kho kiểm tra còn màu be size L không.",
    "Khách hỏi giảm giá thêm, em xin ý kiến chị Mai nhé.",
    "Khách từng bom hàng, yêu cầu cọc trước 50%.",
    "Đơn này giao nhanh trong ngày giúp em.",
    "Khách hơi khó tính, tư vấn kỹ form áo.",
    "Đã gửi ảnh thật sản phẩm qua inbox.",
]
HANDOFF_NOTES = [
    "Anh Hùng ơi khách này hỏi sỉ số lượng lớn, anh báo giá giúp em nhé.",
    "Em hết ca rồi, nhờ bạn theo tiếp khách này giúp em nha. Khách đang chờ mình trả lời.",
    "Khách cần đổi trả đơn cũ, chuyển bạn xử lý giúp mình.",
]

# --- Facebook posts the comments are written under ------------------------------------------

# (caption, the product it shows): a comment asks about the product of its post.
POSTS = [
    ("🔥 SALE CUỐI TUẦN - Áo thun cotton basic chỉ 159k, mua 2 giảm thêm 10%!",
     "Áo thun cotton basic"),
    ("Hàng mới về 🌸 Váy hoa nhí dáng xòe, chất voan 2 lớp không lo xuyên thấu",
     "Váy hoa nhí dáng xòe"),
    ("Quần jean ống rộng hack dáng - đủ size S đến XL, ship COD toàn quốc", "Quần jean ống rộng"),
    ("Giày sneaker trắng basic, đế cao 4cm, size 36-40. Inbox để được tư vấn size nha!",
     "Giày sneaker trắng"),
    ("Livestream 20h tối nay: xả kho túi xách mini da PU, chỉ 295k 💥", "Túi xách mini da PU"),
    ("Set đồ bộ mặc nhà mềm mịn, mát lạnh mùa hè - 230k/bộ", "Set đồ bộ mặc nhà"),
    ("Áo khoác gió 2 lớp chống nắng, chống nước nhẹ - về đủ màu!", "Áo khoác gió 2 lớp"),
]  # fmt: skip
CUSTOMER_COMMENTS = [
    "Giá bao nhiêu ạ?",
    "Xin giá",
    "Còn size M không shop?",
    "Ib em ạ",
    "Inbox giá nhé shop",
    "Màu {color} còn không ạ?",
    "Chấm",
    "Check ib shop ơi",
    "Mẫu này còn không shop",
    "{phone} ib giá giúp em",
    "Em lấy 1 cái, ib em nha {phone}",
]
SHOP_COMMENT_REPLIES = [
    "Dạ shop đã inbox {you} rồi ạ, {you} check tin nhắn giúp shop nha ❤️",
    "Shop ib {you} rồi nha, {you} kiểm tra tin nhắn chờ giúp shop ạ 🥰",
    "Dạ {you} check inbox giúp shop nhé ạ!",
]

AUTO_GREETING = (
    "Chào {you}, cảm ơn {you} đã nhắn tin cho Shop demo! Shop sẽ trả lời trong ít phút ạ."
)
# author_label values, as the message services write them.
AUTO_LABEL = "Automation"
PAGE_INBOX_LABEL = "Page inbox"

# --- cheap pools for the benchmark generator (no placeholders) -----------------------------

BULK_INBOUND = [
    "Shop ơi còn hàng không ạ?",
    "Giá bao nhiêu vậy shop?",
    "Em cao 1m58 nặng 50kg mặc size gì ạ?",
    "Có ship COD không shop?",
    "Ship về Hà Nội mấy ngày vậy ạ?",
    "Mẫu này còn màu đen không shop?",
    "Đơn của em đặt hôm qua bao giờ giao vậy ạ?",
    "Shop có bán sỉ không ạ?",
    "Em muốn đổi size được không shop?",
    "Ok shop, chốt cho em 1 cái size M nha",
    "Phí ship bao nhiêu vậy ạ?",
    "Có freeship không shop?",
    "Áo này chất liệu gì vậy shop?",
    "Form có rộng không ạ?",
    "Em nhận được hàng rồi nha shop, đẹp lắm",
    "Sao em chưa nhận được hàng vậy shop?",
    "Cho em xem ảnh thật với ạ",
    "Shop ơi mẫu này có size XL không?",
    "Em lấy 2 cái thì giảm bao nhiêu ạ?",
    "Dạ em cảm ơn shop",
    "Ok shop",
    "Ib em với ạ",
    "Giày này có size 37 không shop?",
    "Túi này đựng vừa laptop không ạ?",
    "Em chuyển khoản rồi nha shop",
    "Hàng bị lỗi đường may shop ơi, em muốn trả hàng",
    "Mai shop giao giúp em buổi chiều nhé",
    "Còn mã giảm giá không shop?",
    "Áo có bị phai màu không ạ?",
    "Shop ở đâu vậy, em qua lấy trực tiếp được không?",
]
BULK_OUTBOUND = [
    "Dạ còn hàng ạ, chị lấy size nào để em giữ hàng nha.",
    "Dạ mẫu này giá 320k ạ, mua 2 shop giảm thêm 10% nha.",
    "Dạ với chiều cao 1m58, 50kg chị mặc size M là vừa ạ.",
    "Dạ shop ship COD toàn quốc, chị được kiểm tra hàng trước khi thanh toán ạ.",
    "Dạ nội thành 1-2 ngày, ngoại thành 3-4 ngày chị nhận hàng ạ.",
    "Dạ màu đen tạm hết, khoảng 3-4 ngày nữa có lại ạ.",
    "Dạ chị cho em xin số điện thoại đặt hàng để em kiểm tra nha.",
    "Dạ từ 20 sản phẩm shop tính giá sỉ ạ.",
    "Dạ shop hỗ trợ đổi size trong 7 ngày, chị giữ nguyên tem mác giúp em nha.",
    "Dạ em đã lên đơn cho chị rồi ạ, 2-3 ngày chị nhận hàng nha.",
    "Dạ phí ship đồng giá 30k, đơn từ 500k shop freeship ạ.",
    "Dạ chất cotton 100%, mặc mát và không xù lông ạ.",
    "Dạ form suông nhẹ ạ, thích rộng chị lấy lên 1 size nha.",
    "Dạ cảm ơn chị nhiều ạ 🥰",
    "Dạ đơn của chị đang giao, dự kiến mai tới ạ.",
    "Dạ em gửi chị ảnh thật sản phẩm nha.",
    "Dạ shop nhận được chuyển khoản rồi ạ, em gửi hàng ngay hôm nay.",
    "Dạ em xin lỗi chị, chị gửi trả giúp em, shop hoàn tiền ngay khi nhận hàng ạ.",
    "Dạ shop ở 45 Nguyễn Trãi, Quận 5, chị ghé lúc 9h-21h nha.",
    "Dạ chị cần em tư vấn thêm gì không ạ?",
]
BULK_NOTES = NOTES
BULK_SYSTEM = ["{agent} đã tiếp nhận khách hàng này", "Đã giao hội thoại cho {agent}"]


def ascii_fold(text: str) -> str:
    """ "Nguyễn Thị Ngân" -> "nguyen thi ngan": for usernames and e-mail addresses."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def short_name(full_name: str) -> str:
    """The name colleagues use: the given name, last in Vietnamese order ("Lan")."""
    return full_name.split()[-1]


def money(amount_vnd: int) -> str:
    """350000 -> "350.000đ" (the way shops write prices)."""
    return f"{amount_vnd:,}".replace(",", ".") + "đ"
