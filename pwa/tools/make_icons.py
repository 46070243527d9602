"""Draw the app icons (PNG 192 and 512) with the standard library only: a blue square
with a white open book. Run: python pwa/tools/make_icons.py"""

import os
import struct
import zlib

BLUE = (11, 61, 145)
WHITE = (255, 255, 255)
GOLD = (255, 196, 0)


def pixel(x, y, n):
    u, v = x / n, y / n
    # a white book: two pages with a spine, and a gold bookmark
    if 0.22 <= v <= 0.74:
        left = 0.18 <= u <= 0.485
        right = 0.515 <= u <= 0.82
        if left or right:
            if 0.62 <= u <= 0.68 and v <= 0.52:
                return GOLD
            return WHITE
    return BLUE


def png(n):
    rows = b"".join(b"\x00" + bytes(c for x in range(n) for c in pixel(x, y, n)) for y in range(n))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(__file__), "..", "static", "icons")
    os.makedirs(out, exist_ok=True)
    for size in (192, 512):
        with open(os.path.join(out, f"icon-{size}.png"), "wb") as fh:
            fh.write(png(size))
