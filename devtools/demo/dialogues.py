"""The exchanges of one demo conversation: who says what, in which order, per topic.

Pure: takes a random generator and a persona, returns turns. The builder turns them into
timed messages, adds claims, notes and system events, and records the order.
"""

import random
from dataclasses import dataclass, field

from devtools.demo import content

# (customer says, shop answers). Placeholders come from `_context`.
OPENERS = {
    "price": [
        (
            "Shop ơi {product} giá bao nhiêu vậy ạ?",
            "Dạ {product} bên em giá {price} ạ. Đang có ưu đãi mua 2 giảm 10% nha {you}.",
        ),
        (
            "Xin giá {product} màu {color} ạ",
            "Dạ mẫu màu {color} giá {price} ạ, {you} lấy {which} để em kiểm tra hàng nha.",
        ),
        ("Mẫu này bao nhiêu tiền shop?", "Dạ mẫu {you} gửi là {product}, giá {price} ạ 🥰"),
    ],
    "size": [
        (
            "Em cao {height} nặng {weight}kg mặc size nào vừa shop?",
            "Dạ với {height}, {weight}kg {you} mặc size {size} là vừa đẹp ạ.",
        ),
        (
            "{product} có size {size} không shop?",
            "Dạ có size {size} ạ, {you} cho em xin chiều cao cân nặng để em tư vấn chuẩn hơn nha.",
        ),
        (
            "Shop tư vấn size giúp em với, em nặng {weight}kg",
            "Dạ {you} cao khoảng bao nhiêu ạ? Thường {weight}kg mặc size {size} là vừa nha.",
        ),
    ],
    "shoe_size": [
        (
            "Chân em dài {foot}cm thì đi size mấy shop?",
            "Dạ chân {foot}cm {you} đi size {size} là vừa ạ, giày form chuẩn nha.",
        ),
        (
            "{product} có size {size} không shop?",
            "Dạ có size {size} ạ, giày đi êm, đế cao 4cm nha {you}.",
        ),
    ],
    "stock": [
        (
            "Mẫu {product} màu {color} còn hàng không shop?",
            "Dạ màu {color} còn {in_stock} ạ, {you} lấy {which} để em giữ hàng nha.",
        ),
        ("Shop ơi mẫu này còn không ạ?", "Dạ mẫu này còn ạ, {you} cần màu nào ạ?"),
        (
            "{product} còn màu {color}{size_part} không shop?",
            "Dạ màu {color}{size_part} tạm hết rồi ạ, 3-4 ngày nữa có lại, em báo {you} nha.",
        ),
    ],
    "shipping": [
        (
            "Shop có ship COD không ạ? Em ở {city}",
            "Dạ có ạ, shop ship COD toàn quốc, {you} nhận hàng kiểm tra rồi mới thanh toán nha.",
        ),
        (
            "Ship về {city} mấy ngày vậy shop?",
            "Dạ về {city} khoảng {days} ngày {you} nhận được hàng ạ, ship COD nha.",
        ),
        ("Phí ship bao nhiêu vậy shop?", "Dạ phí ship đồng giá 30k, đơn từ 500k shop freeship ạ."),
    ],
    "returns": [
        (
            "Shop ơi em nhận {product} rồi mà mặc hơi chật, đổi size được không ạ?",
            "Dạ được ạ, shop hỗ trợ đổi size trong 7 ngày, {you} giữ nguyên tem mác giúp em nha.",
        ),
        (
            "Hàng bị lỗi đường may shop ơi",
            "Dạ em xin lỗi {you} ạ 🙏 {You} gửi lại giúp em, shop đổi cái mới và chịu phí ship "
            "2 chiều nha.",
        ),
        (
            "Em muốn trả hàng được không shop, màu ngoài không giống ảnh",
            "Dạ {you} gửi trả giúp em trong 7 ngày, shop hoàn tiền khi nhận lại hàng ạ.",
        ),
    ],
    "order_status": [
        (
            "Shop ơi đơn em đặt hôm {weekday} sao chưa thấy giao vậy?",
            "Dạ {you} cho em xin số điện thoại đặt hàng để em kiểm tra nha.",
        ),
        ("Đơn của em tới đâu rồi shop?", "Dạ {you} cho em xin số điện thoại đặt hàng nha."),
    ],
    "wholesale": [
        (
            "Shop có bán sỉ không ạ? Em lấy khoảng {bulk_qty} cái {product}",
            "Dạ có ạ, từ 20 sản phẩm shop tính giá sỉ {wholesale_price}/cái. {You} để lại số Zalo "
            "để bên em gửi bảng giá nha.",
        ),
        (
            "Shop ơi lấy sỉ {product} giá sao ạ? Em bán ở {city}",
            "Dạ lấy từ 20 cái giá {wholesale_price}/cái ạ. {You} cho em xin số Zalo nha.",
        ),
    ],
}
# Shown with a photo the customer sends (attachments) instead of naming the product.
PHOTO_OPENERS = {"Mẫu này bao nhiêu tiền shop?", "Shop ơi mẫu này còn không ạ?",
                 "Hàng bị lỗi đường may shop ơi"}  # fmt: skip

FOLLOW_UPS = {
    "price": [
        ("Có giảm thêm không shop, em lấy 2 cái", "Dạ lấy 2 cái shop tính {you} {price2}/cái ạ."),
        (
            "Đắt quá shop ơi, bớt chút được không ạ?",
            "Dạ giá này là giá tốt nhất rồi ạ, shop tặng {you} freeship nha.",
        ),
        ("Chất liệu gì vậy shop?", "Dạ chất cotton 100%, mặc mát, không xù lông, không phai ạ."),
        (
            "Có ảnh thật không shop?",
            "Dạ em gửi {you} ảnh thật shop tự chụp nha, hàng y hình 100% ạ.",
        ),
    ],
    "size": [
        (
            "Form có rộng không shop, em thích mặc hơi rộng",
            "Dạ form này suông nhẹ ạ, thích rộng {you} lấy lên 1 size nha.",
        ),
        (
            "Nếu mặc không vừa đổi được không ạ?",
            "Dạ shop hỗ trợ đổi size trong 7 ngày, {you} yên tâm nha.",
        ),
        ("Vai em hơi to thì sao shop?", "Dạ vai to thì {you} lấy size {size} cho thoải mái ạ."),
    ],
    "shoe_size": [
        ("Chân em bè thì sao shop?", "Dạ chân bè {you} lấy lên nửa size cho êm chân nha."),
        ("Giày có bị đau gót không ạ?", "Dạ lót giày êm, đi cả ngày không đau ạ."),
    ],
    "stock": [
        ("Vậy màu khác còn không shop?", "Dạ còn màu đen và be đủ size ạ."),
        (
            "Khi nào có hàng lại shop báo em nha",
            "Dạ em ghi chú rồi ạ, hàng về em nhắn {you} liền nha.",
        ),
    ],
    "shipping": [
        (
            "Được kiểm tra hàng trước khi nhận không ạ?",
            "Dạ được ạ, {you} kiểm tra thoải mái rồi mới thanh toán nha.",
        ),
        (
            "Giao giờ hành chính được không shop?",
            "Dạ được ạ, em ghi chú cho bên giao hàng rồi nha.",
        ),
        (
            "Có giao hỏa tốc không ạ? Em cần gấp",
            "Dạ nội thành shop giao hỏa tốc trong 2 tiếng, phí theo Grab ạ.",
        ),
    ],
    "returns": [
        (
            "Gửi về địa chỉ nào vậy shop?",
            "Dạ {you} gửi về 45 Nguyễn Trãi, Quận 5, TP.HCM, người nhận Shop demo nha.",
        ),
        (
            "Bao lâu thì em nhận được hàng đổi ạ?",
            "Dạ shop nhận hàng là gửi đi ngay trong ngày, 2-3 ngày {you} nhận được ạ.",
        ),
    ],
    "order_status": [
        ("Mai giao giúp em buổi chiều nha shop", "Dạ em ghi chú cho shipper rồi ạ."),
        (
            "Ok shop, cảm ơn nhé",
            "Dạ không có gì ạ, {you} nhận hàng ưng thì ủng hộ shop lần sau nha 🥰",
        ),
    ],
    "wholesale": [
        ("Có ship ra {city} không shop?", "Dạ có ạ, đơn sỉ shop gửi chành xe, phí rẻ lắm ạ."),
    ],
}
# Exchanges a topic always has after its opener.
REQUIRED = {
    "order_status": [
        (
            "{phone}",
            "Dạ đơn của {you} đang ở kho {city}, dự kiến mai giao ạ. Mã vận đơn GHN: {tracking}.",
        ),
    ],
    "wholesale": [
        ("Zalo em {phone} nhé", "Dạ em kết bạn Zalo với {you} rồi ạ, {you} kiểm tra giúp em nha."),
    ],
}
SHOPEE_OPENERS = {
    "order_status": [
        (
            "Shop ơi đơn {order_sn} khi nào giao vậy ạ?",
            "Dạ đơn {order_sn} shop đã gửi đơn vị vận chuyển hôm qua, {days} ngày nữa {you} nhận "
            "được ạ.",
        ),
    ],
}
NUDGES = ["Shop ơi?", "Alo shop", "Shop có đó không ạ?", "Sao shop không trả lời ạ 😢", "?"]
ORDER_ASKS = [
    "Ok shop, chốt cho em {qty} {product}{size_part} màu {color} nha",
    "Lấy cho em {qty} cái{size_part} màu {color} nha shop",
    "Em lấy mẫu này nha shop, {qty} cái{size_part}",
]
ADDRESS_REPLIES = ["{name} - {phone} - {address}", "{phone}\n{address}\n{name}",
                   "Gửi về {address} nha shop, sđt {phone}, tên {name}"]  # fmt: skip
RECEIVED = [
    (
        "Em nhận được hàng rồi nha shop, đẹp lắm 😍",
        "Dạ cảm ơn {you} nhiều ạ 🥰 {You} mặc ưng thì ủng hộ shop lần sau nha.",
    ),
    (
        "Hàng đẹp lắm shop ơi, lần sau em ủng hộ tiếp",
        "Dạ shop cảm ơn {you} ạ, có mẫu mới em báo {you} nha ❤️",
    ),
]
RETURNED = [
    (
        "Shop ơi {product} bị lỗi đường may, em muốn trả hàng",
        "Dạ em xin lỗi {you} ạ, {you} gửi trả giúp em, shop hoàn {total} ngay khi nhận lại "
        "hàng nha.",
    ),
    (
        "Em mặc không vừa, trả lại được không shop?",
        "Dạ được ạ, {you} gửi trả trong 7 ngày, shop hoàn {total} qua chuyển khoản nha.",
    ),
]

EMAIL = {
    "order_status": (
        "Đơn hàng #DH{order_no} chưa được giao",
        "Chào shop,\n\nTôi đặt đơn #DH{order_no} từ {weekday} tuần trước nhưng đến nay vẫn chưa "
        "nhận được hàng. Nhờ shop kiểm tra giúp tôi.\n\nCảm ơn,\n{name}\nĐT: {phone}",
        "Chào {you} {given},\n\nShop đã kiểm tra: đơn #DH{order_no} đang được giao, mã vận đơn "
        "GHN {tracking}, dự kiến đến trong ngày mai.\n\nTrân trọng,\n{agent}\nShop demo",
    ),
    "returns": (
        "Yêu cầu đổi trả sản phẩm",
        "Chào shop,\n\nTôi nhận {product} hôm qua nhưng size hơi nhỏ, tôi muốn đổi sang size "
        "lớn hơn. Shop hướng dẫn giúp tôi cách gửi trả nhé.\n\n{name}",
        "Chào {you} {given},\n\nShop hỗ trợ đổi size trong 7 ngày. {You} gửi hàng về 45 Nguyễn "
        "Trãi, Quận 5, TP.HCM; shop gửi size mới ngay khi nhận được.\n\nTrân trọng,\n{agent}",
    ),
    "invoice": (
        "Xuất hóa đơn VAT cho đơn #DH{order_no}",
        "Chào shop,\n\nCông ty tôi cần hóa đơn VAT cho đơn #DH{order_no}: Công ty TNHH Thương mại "
        "Minh Phát, MST 0109876543.\n\nCảm ơn shop,\n{name}",
        "Chào {you} {given},\n\nShop đã chuyển yêu cầu cho kế toán, hóa đơn điện tử sẽ được gửi "
        "qua email này trong 3 ngày làm việc.\n\nTrân trọng,\n{agent}\nShop demo",
    ),
    "wholesale": (
        "Hỏi giá sỉ",
        "Chào shop,\n\nTôi có cửa hàng ở {city}, muốn lấy sỉ {bulk_qty} {product}. Shop gửi giúp "
        "tôi bảng giá sỉ nhé.\n\n{name}\nĐT: {phone}",
        "Chào {you} {given},\n\nGiá sỉ từ 20 sản phẩm là {wholesale_price}/cái. Shop gửi kèm bảng "
        "giá đầy đủ, {you} xem giúp shop nhé.\n\nTrân trọng,\n{agent}\nShop demo",
    ),
}
EMAIL_THANKS = "Cảm ơn shop nhiều.\n\n{name}"

TOPICS_BY_CHANNEL = {
    "facebook": ["price", "price", "size", "stock", "shipping", "order_status", "returns",
                 "wholesale"],
    "zalo": ["price", "size", "stock", "shipping", "order_status", "order_status", "wholesale",
             "returns"],
    "shopee": ["stock", "size", "order_status", "order_status", "shipping", "returns"],
    "email": ["order_status", "returns", "invoice", "wholesale"],
}  # fmt: skip
SELLING_TOPICS = {"price", "size", "shoe_size", "stock", "shipping"}


@dataclass
class Persona:
    name: str
    given: str
    you: str  # how the shop addresses them: "chị", "anh", "bạn"
    phone_typed: str  # the way they write their number
    address: str
    city: str


@dataclass
class Turn:
    who: str  # "customer" or "agent"
    text: str
    kind: str = "inbox"  # "comment" for the public comment and the shop's public answer
    photo: bool = False  # the customer sends a picture
    closes_order: bool = False  # the agent's confirmation that captures the order
    pause_days: float = 0.0  # time passing before this turn (delivery, a return)


@dataclass
class Chat:
    topic: str
    turns: list[Turn]
    items: list[dict] = field(default_factory=list)  # the order, when one is captured
    order_status: str = ""  # closed / received / returned, or "" without an order
    subject: str = ""  # e-mail subject


def phone_typed(rng: random.Random) -> str:
    """A Vietnamese mobile number the way people type it in a chat."""
    digits = rng.choice(content.MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
    style = rng.randrange(4)
    if style == 0:
        return digits
    if style == 1:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if style == 2:
        return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"
    return f"+84 {digits[1:4]} {digits[4:7]} {digits[7:]}"


def _order_items(rng: random.Random, product) -> list[dict]:
    name, price, _sizes = product
    items = [{"name": name, "quantity": rng.choice([1, 1, 1, 2, 2, 3]), "price_vnd": price}]
    if rng.random() < 0.25:
        extra = rng.choice([p for p in content.PRODUCTS if not p[2] and p[0] != name])
        items.append({"name": extra[0], "quantity": 1, "price_vnd": extra[1]})
    return items


def order_total(items: list[dict]) -> int:
    return sum(item["quantity"] * item["price_vnd"] for item in items)


def _context(rng: random.Random, persona: Persona, product, agent: str) -> dict:
    name, price, sizes = product
    size_list = sizes.split() or ["Freesize"]
    size = rng.choice(size_list)
    you = persona.you
    return {
        "product": name,
        "price": content.money(price),
        "price2": content.money(price * 9 // 10 // 1000 * 1000),
        "wholesale_price": content.money(price * 7 // 10 // 1000 * 1000),
        "color": rng.choice(content.COLORS),
        "size": size,
        "in_stock": f"size {', '.join(size_list[: rng.randint(1, len(size_list))])}"
        if sizes
        else "hàng",
        "which": "size nào" if sizes else "mấy cái",
        "size_part": f" size {size}" if sizes else "",
        "height": f"1m{rng.randint(50, 72)}",
        "weight": rng.randint(42, 68),
        "foot": rng.choice(["22", "22.5", "23", "23.5", "24", "24.5", "25"]),
        "city": persona.city,
        "days": rng.choice(["1-2", "2-3", "3-4"]),
        "weekday": rng.choice(content.WEEKDAYS),
        "phone": persona.phone_typed,
        "address": persona.address,
        "name": persona.name,
        "given": persona.given,
        "you": you,
        "You": you[0].upper() + you[1:],
        "tracking": "GHN"
        + "".join(rng.choice("ABCDEFGHKLMNPQRTUVXY") for _ in range(4))
        + str(rng.randint(10000, 99999)),
        "order_sn": f"24{rng.randint(10, 12)}{rng.randint(10, 28)}"
        + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXY0123456789") for _ in range(8)),
        "order_no": rng.randint(10000, 99999),
        "bulk_qty": rng.choice([30, 50, 100]),
        "agent": agent,
    }


def _pairs_to_turns(pairs, ctx: dict) -> list[Turn]:
    turns = []
    for asked, answered in pairs:
        turns.append(Turn("customer", asked.format(**ctx), photo=asked in PHOTO_OPENERS))
        turns.append(Turn("agent", answered.format(**ctx)))
    return turns


def chat_compose(
    *,
    rng: random.Random,
    channel: str,
    persona: Persona,
    agent: str,
    sells: bool,
    order_status: str,
    from_comment: bool,
    unanswered: bool,
    product_name: str = "",
) -> Chat:
    """One conversation's exchange.

    sells: the chat ends in a captured order (order_status: closed, received or returned);
    from_comment: it starts as a comment under a fanpage post (about `product_name`);
    unanswered: it ends with the customer waiting for the shop.
    """
    topic = rng.choice(TOPICS_BY_CHANNEL[channel])
    if sells and topic not in SELLING_TOPICS:
        topic = rng.choice(["price", "size", "stock", "shipping"])
    product = rng.choice(content.PRODUCTS)
    if product_name:  # the product of the post the customer comments under
        product = next(p for p in content.PRODUCTS if p[0] == product_name)
    if topic == "size" and not product[2]:
        topic = "price"
    if topic == "size" and product[2][0].isdigit():
        topic = "shoe_size"
    ctx = _context(rng, persona, product, agent)
    if channel == "email":
        return _email_chat(rng, topic, ctx, unanswered)

    if channel == "shopee" and topic in SHOPEE_OPENERS:
        pairs = [rng.choice(SHOPEE_OPENERS[topic])]
    else:
        pairs = [rng.choice(OPENERS[topic]), *REQUIRED.get(topic, [])]
    follow_ups = FOLLOW_UPS[topic]
    pairs += rng.sample(follow_ups, k=min(len(follow_ups), rng.choice([0, 1, 1, 2])))
    turns = _pairs_to_turns(pairs, ctx)
    if from_comment and topic in SELLING_TOPICS:
        turns = _comment_opening(rng, ctx) + turns[2:]  # the comment replaces the opener

    chat = Chat(topic=topic, turns=turns)
    if sells:
        chat.items = _order_items(rng, product)
        chat.order_status = order_status
        total = content.money(order_total(chat.items))
        ctx["total"] = total
        chat.turns += _order_turns(rng, ctx, chat.items, total)
        if order_status == "received":
            chat.turns += _later(_pairs_to_turns([rng.choice(RECEIVED)], ctx), rng)
        elif order_status == "returned":
            chat.turns += _later(_pairs_to_turns([rng.choice(RETURNED)], ctx), rng)
    if unanswered:
        _leave_unanswered(rng, chat)
    return chat


def _comment_opening(rng: random.Random, ctx: dict) -> list[Turn]:
    comment = rng.choice(content.CUSTOMER_COMMENTS).format(**ctx)
    answer = rng.choice(content.SHOP_COMMENT_REPLIES).format(**ctx)
    private = (
        f"Chào {ctx['you']}, shop nhắn từ bình luận của {ctx['you']} ạ. {ctx['product']} giá "
        f"{ctx['price']}, {ctx['you']} cần tư vấn size hay màu nào không ạ?"
    )
    return [
        Turn("customer", comment, kind="comment"),
        Turn("agent", answer, kind="comment"),
        Turn("agent", private),
    ]


def _order_turns(rng: random.Random, ctx: dict, items: list[dict], total: str) -> list[Turn]:
    order_ctx = dict(ctx, qty=items[0]["quantity"])
    lines = ", ".join(
        f"{item['quantity']} x {item['name']} ({content.money(item['price_vnd'])})"
        for item in items
    )
    freeship = order_total(items) >= content.FREESHIP_FROM_VND
    shipping = "freeship" if freeship else "+ 30k ship, thanh toán khi nhận hàng"
    return [
        Turn("customer", rng.choice(ORDER_ASKS).format(**order_ctx)),
        Turn(
            "agent", "Dạ {you} cho em xin tên, số điện thoại và địa chỉ nhận hàng ạ.".format(**ctx)
        ),
        Turn("customer", rng.choice(ADDRESS_REPLIES).format(**ctx)),
        Turn(
            "agent",
            f"Dạ em đã lên đơn cho {ctx['you']}: {lines}. Tổng {total} ({shipping}), 2-3 ngày "
            f"{ctx['you']} nhận hàng nha. Cảm ơn {ctx['you']} đã ủng hộ shop ❤️",
            closes_order=True,
        ),
    ]


def _later(turns: list[Turn], rng: random.Random) -> list[Turn]:
    """Two or three days later, at about the same (busy) hour of the day."""
    turns[0].pause_days = rng.choice([2, 3]) + rng.uniform(-0.08, 0.12)
    return turns


def _leave_unanswered(rng: random.Random, chat: Chat) -> None:
    """Cut the chat after a customer message; sometimes they write again."""
    asked = [i for i, turn in enumerate(chat.turns) if turn.who == "customer"]
    # Never cut between a later delivery and its answer: keep to the same day.
    asked = [i for i in asked if not any(t.pause_days for t in chat.turns[1 : i + 1])]
    cut = rng.choice(asked[:3])
    chat.turns = chat.turns[: cut + 1]
    if not any(turn.closes_order for turn in chat.turns):
        chat.items, chat.order_status = [], ""
    if rng.random() < 0.3:
        chat.turns.append(Turn("customer", rng.choice(NUDGES)))


def _email_chat(rng: random.Random, topic: str, ctx: dict, unanswered: bool) -> Chat:
    if topic not in EMAIL:
        topic = "order_status"
    subject, asked, answered = EMAIL[topic]
    turns = [Turn("customer", asked.format(**ctx))]
    if not unanswered:
        turns.append(Turn("agent", answered.format(**ctx)))
        if rng.random() < 0.4:
            turns.append(Turn("customer", EMAIL_THANKS.format(**ctx)))
    return Chat(topic=topic, turns=turns, subject=subject.format(**ctx))
