"""The demo customers' photos: small product pictures drawn here and stored like a copied
attachment, so the demo's timelines show pictures offline instead of broken links to provider
CDNs that never held them."""

from __future__ import annotations

import struct
import zlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

SIZE = 240
# (background, product) colours: a shirt on cream, sneakers on grey, a bag on blush, ...
PALETTE = [
    ((246, 240, 228), (38, 70, 126)),
    ((232, 234, 237), (236, 236, 236)),
    ((248, 228, 226), (156, 84, 62)),
    ((226, 240, 232), (46, 125, 90)),
    ((240, 236, 250), (24, 24, 28)),
    ((252, 244, 220), (214, 160, 40)),
]


def _png(width: int, height: int, pixel) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))  # fmt: skip


def product_picture(index: int) -> bytes:
    """A product shape (body with shoulders, like a folded shirt or a bag) on a soft
    background, with a floor shadow: enough to read as a customer's photo at a glance."""
    background, product = PALETTE[index % len(PALETTE)]
    shadow = tuple(max(0, c - 28) for c in background)
    mid, top, bottom = SIZE // 2, SIZE // 4, SIZE * 3 // 4

    def pixel(x: int, y: int):
        half = SIZE // 5 + (SIZE // 10 if y < top + SIZE // 8 else 0)
        if top <= y <= bottom and abs(x - mid) <= half:
            return product
        if bottom < y <= bottom + 10 and abs(x - mid) <= SIZE // 4:
            return shadow
        return background

    return _png(SIZE, SIZE, pixel)


def stored_pictures(workspace_id: int) -> list[str]:
    """Store the pictures once for the workspace (under its own attachments folder, which
    the media view serves to its members) and return their storage names."""
    names = []
    for index in range(len(PALETTE)):
        name = f"attachments/{int(workspace_id)}/demo/product-{index + 1}.png"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(product_picture(index)))
        names.append(name)
    return names
