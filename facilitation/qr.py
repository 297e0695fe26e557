"""QR codes: SVG for pages and posters, text for the terminal."""
from __future__ import annotations

import io
import re

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    """An SVG QR code of ``data`` (path image: one element, crisp at any size)."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    # Drop the fixed millimetre size: the page's CSS decides how large it is.
    return re.sub(r' (width|height)="[0-9.]+mm"', "", svg, count=2)


def qr_text(data: str) -> str:
    """A QR code of ``data`` drawn with block characters for a terminal."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(data)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()
