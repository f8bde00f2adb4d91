"""QR codes for short links, as SVG (for print and the web) and PNG (for chat and slides).

Codes are always full QR codes (never Micro QR, which phone cameras rarely read), at error
correction level M unless asked otherwise, raised to a higher level when that costs no extra
size. `scale` is the width of one module in pixels (SVG user units); `border` is the quiet
zone in modules, 4 by the standard, and scanners struggle below 2.
"""

from __future__ import annotations

import io
import re
from typing import Literal

import segno

ErrorLevel = Literal["L", "M", "Q", "H"]

MAX_DATA_LENGTH = 2048
MAX_SCALE = 64
MAX_BORDER = 16
DEFAULT_SCALE = 8
DEFAULT_BORDER = 4
COLOR_PATTERN = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def qr_svg(
    data: str,
    *,
    scale: int = DEFAULT_SCALE,
    border: int = DEFAULT_BORDER,
    dark: str = "#000000",
    light: str = "#ffffff",
    error: ErrorLevel = "M",
    title: str | None = None,
) -> str:
    """A standalone SVG document (no XML declaration) encoding `data`."""
    code = _make(data, scale, border, error)
    for name, value in (("dark", dark), ("light", light)):
        if not COLOR_PATTERN.fullmatch(value):
            raise ValueError(f"{name} color {value!r} must be #rgb or #rrggbb")
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        scale=scale,
        border=border,
        dark=dark,
        light=light,
        xmldecl=False,
        title=title,
    )
    return out.getvalue().decode("utf-8")


def qr_png(
    data: str,
    *,
    scale: int = DEFAULT_SCALE,
    border: int = DEFAULT_BORDER,
    error: ErrorLevel = "M",
) -> bytes:
    """A black-on-white PNG image encoding `data`."""
    out = io.BytesIO()
    _make(data, scale, border, error).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def qr_pixel_size(
    data: str, *, scale: int = DEFAULT_SCALE, border: int = DEFAULT_BORDER, error: ErrorLevel = "M"
) -> int:
    """The width (and height) in pixels of the image `qr_png` or `qr_svg` would make."""
    width, _ = _make(data, scale, border, error).symbol_size(scale=scale, border=border)
    return int(width)


def fit_scale(
    data: str, pixels: int, *, border: int = DEFAULT_BORDER, error: ErrorLevel = "M"
) -> int:
    """The largest scale whose image is at most `pixels` wide (at least 1)."""
    modules = qr_pixel_size(data, scale=1, border=border, error=error)
    return max(1, min(MAX_SCALE, pixels // modules))


def _make(data: str, scale: int, border: int, error: ErrorLevel) -> segno.QRCode:
    if not data:
        raise ValueError("QR data must not be empty")
    if len(data) > MAX_DATA_LENGTH:
        raise ValueError(f"QR data has {len(data)} characters; the limit is {MAX_DATA_LENGTH}")
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale {scale} must be from 1 to {MAX_SCALE}")
    if not 0 <= border <= MAX_BORDER:
        raise ValueError(f"border {border} must be from 0 to {MAX_BORDER}")
    if error not in ("L", "M", "Q", "H"):
        raise ValueError(f"error level {error!r} must be one of L, M, Q, H")
    try:
        return segno.make_qr(data, error=error.lower(), boost_error=True)
    except segno.DataOverflowError:
        raise ValueError(
            f"{len(data)} characters do not fit in a QR code at error level {error}"
        ) from None
