"""Auto-labels: keyword sets per label (pure). Each set becomes a label-only rule of the
workspace (`automation/services/auto_labels.py`), matched by the engine like any rule
(accent-free, whole words), so every matching set labels the message.

Precision and recall per label, measured on the labelled customer messages of
`tests/automation/data/labelled_messages.tsv`, are in docs/automation.md.
"""

from __future__ import annotations

from automation import engine

# key: (label name as the shop sees it, keywords and phrases)
LABEL_SETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "shipping": ("Vận chuyển", (
        "ship", "phí ship", "phi ship", "freeship", "miễn phí ship", "ship cod", "cod",
        "giao hàng", "giao tận nơi", "giao tận nhà", "giao về", "gửi ra", "giao tỉnh",
        "vận chuyển", "đơn vị vận chuyển", "chuyển phát nhanh", "hỏa tốc", "hoả tốc",
        "ghn", "ghtk", "viettel post", "bưu điện", "xe khách", "grab", "nội thành",
        "ngoại thành", "mấy ngày", "bao lâu thì nhận", "bao lâu nhận", "phí giao hàng",
        "giao trong hôm nay", "giao ngày mai", "giao buổi tối", "giao giờ hành chính",
        "xem hàng", "kiểm tra hàng", "giao tới", "máy bay", "ra đảo", "nước ngoài",
        "thu hộ", "kịp không",
    )),
    "returns": ("Đổi trả", (
        "đổi trả", "đổi hàng", "trả hàng", "trả lại", "đổi size", "đổi sang", "đổi mẫu",
        "đổi cái", "đổi lại", "đổi ý", "muốn đổi", "đổi giúp", "hoàn tiền", "bảo hành",
        "bị lỗi", "hàng lỗi", "lỗi", "bị rách", "rách", "bị hư", "hư", "hỏng", "bị hỏng",
        "bị vỡ", "móp", "trầy", "phai màu", "bong keo", "rò nước", "ố vàng", "giao sai",
        "gửi nhầm", "sai mẫu", "giao thiếu", "không vừa", "chật quá", "đồ cũ",
        "không đúng mô tả", "không giống hình", "dị ứng", "muốn trả",
        "!kiểm tra hàng", "!đổi địa chỉ",
    )),
    "order_status": ("Tình trạng đơn", (
        "đơn hàng", "đơn của em", "đơn của mình", "đơn em", "mã đơn", "kiểm tra đơn",
        "check đơn", "tra cứu đơn", "theo dõi đơn", "tình trạng đơn", "mã vận đơn",
        "hủy đơn", "huỷ đơn", "hủy giúp em đơn", "lên đơn", "xác nhận đơn", "đã đặt",
        "đặt rồi", "chưa nhận được hàng", "gửi hàng cho em chưa", "gửi chưa", "gửi đi chưa",
        "đến đâu rồi", "tới đâu rồi", "vẫn chưa tới", "chưa thấy giao", "bị hoàn",
        "giao không thành công", "báo đã giao", "đơn đã đặt", "đơn bị trễ", "đóng gói",
        "xác nhận", "đặt hàng xong", "đơn sao rồi", "xử lý chưa", "đơn chưa giao",
        "đổi địa chỉ",
    )),
    "price": ("Giá", (
        "giá", "bao nhiêu tiền", "nhiêu tiền", "này bao nhiêu", "tổng bao nhiêu", "bn 1",
        "bao nhiêu 1", "giá sỉ", "lấy sỉ", "giá lẻ", "giảm giá", "được giảm", "khuyến mãi",
        "sale", "mã giảm giá", "voucher", "bớt", "rẻ hơn", "đắt quá", "mắc quá",
        "chiết khấu", "báo giá", "bảng giá", "đồng giá", "trả góp", "tổng tiền", "combo",
        "tặng 1", "tặng kèm", "thương lượng",
    )),
}  # fmt: skip


def specs() -> list[engine.RuleSpec]:
    """One label-only rule spec per set (ids are the sets' order)."""
    return [
        engine.RuleSpec(
            id=i,
            trigger="message",
            keywords=engine.keywords_folded(words),
            excludes=engine.excludes_folded(words),
            payload=key,
        )  # fmt: skip
        for i, (key, (_name, words)) in enumerate(LABEL_SETS.items())
    ]


def labels_for(text: str, *, compiled: list[engine.RuleSpec] | None = None) -> set[str]:
    """The keys of every set that matches `text`."""
    facts = engine.Facts(trigger="message", channel_account_id=0, text=engine.fold(text))
    decision = engine.decide(compiled if compiled is not None else specs(), facts)
    return {m.rule.payload for m in decision.others}
