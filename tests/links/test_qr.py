"""QR codes: valid SVG and PNG that decode back to the link."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import png  # type: ignore[import-untyped]
import pytest
import zxingcpp

from microreach.links.qr import fit_scale, qr_pixel_size, qr_png, qr_svg

LINK = "https://mr.example/aB3dE5f"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def decode_png(data: bytes) -> np.ndarray:
    width, height, rows, _ = png.Reader(bytes=data).asDirect()
    image = np.vstack([np.asarray(row, dtype=np.uint8) for row in rows])
    assert image.shape == (height, width)
    return np.where(image > 0, 255, 0).astype(np.uint8)


def read_qr(image: np.ndarray) -> str:
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return str(results[0].text)


def test_png_has_the_magic_the_size_and_decodes_to_the_link() -> None:
    data = qr_png(LINK, scale=6, border=4)
    assert data.startswith(PNG_MAGIC)
    image = decode_png(data)
    size = qr_pixel_size(LINK, scale=6, border=4)
    assert image.shape == (size, size)
    assert size == (25 + 2 * 4) * 6  # a 27-byte URL fits version 2 (25 modules) at level M
    assert read_qr(image) == LINK


def test_png_quiet_zone_is_white() -> None:
    image = decode_png(qr_png(LINK, scale=3, border=4))
    assert (image[:12, :] == 255).all()
    assert (image[:, -12:] == 255).all()
    assert (image[12:15, 12:15] == 0).all()  # the top-left finder pattern's corner


@pytest.mark.parametrize(("scale", "border"), [(1, 0), (2, 2), (10, 4), (4, 16)])
def test_sizes_follow_scale_and_border(scale: int, border: int) -> None:
    image = decode_png(qr_png(LINK, scale=scale, border=border))
    assert image.shape[0] == (25 + 2 * border) * scale


def test_long_urls_get_bigger_codes_and_still_decode() -> None:
    url = "https://shop.example.com/p?" + "&".join(f"k{i}=v{i}" for i in range(60))
    image = decode_png(qr_png(url, scale=4, error="L"))
    assert image.shape[0] > 100
    assert read_qr(image) == url


def test_svg_is_valid_and_sized() -> None:
    svg = qr_svg(LINK, scale=5, border=2, dark="#112233", light="#fff", title="Summer link")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == root.get("height") == str((25 + 4) * 5)
    assert 'stroke="#123"' in svg  # segno writes the short form of #112233
    assert root.find("{http://www.w3.org/2000/svg}title").text == "Summer link"  # type: ignore[union-attr]
    assert not svg.startswith("<?xml")


def test_fit_scale() -> None:
    assert fit_scale(LINK, 512) == 512 // 33
    assert qr_pixel_size(LINK, scale=fit_scale(LINK, 512)) <= 512
    assert fit_scale(LINK, 10) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data": ""}, "must not be empty"),
        ({"data": "x" * 2049}, "the limit is 2048"),
        ({"data": "x" * 2000, "error": "H"}, "do not fit in a QR code at error level H"),
        ({"scale": 0}, "scale 0 must be from 1 to 64"),
        ({"scale": 65}, "scale 65 must be from 1 to 64"),
        ({"border": -1}, "border -1 must be from 0 to 16"),
        ({"error": "X"}, "error level 'X'"),
        ({"dark": "black"}, "dark color 'black' must be #rgb or #rrggbb"),
        ({"light": "#12345"}, "light color '#12345'"),
    ],
)
def test_invalid_options_are_refused(kwargs: dict[str, object], message: str) -> None:
    options: dict[str, object] = {"data": LINK, **kwargs}
    data = options.pop("data")
    with pytest.raises(ValueError, match=message):
        qr_svg(data, **options)  # type: ignore[arg-type]
