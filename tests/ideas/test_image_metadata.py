"""What an uploaded picture keeps once stored: its pixels and its colour profile, nothing else.

Each file is crafted the way cameras and editors write them (a JPEG comment segment, XMP,
EXIF with a GPS position, PNG text chunks, a GIF comment), posted through the idea form,
and the stored file and its thumbnail are read back byte for byte.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageCms, ImageStat
from PIL.PngImagePlugin import PngInfo
from PIL.TiffImagePlugin import IFDRational

from ideas.models import Idea

COMMENT = b"COMMENT-MARKER-7f3a"
XMP_MARKER = b"XMP-MARKER-91bc"
TEXT_MARKER = "TEXT-MARKER-c04d"
MAKER, GPS_IFD = 0x010F, 0x8825
SIZE = (80, 60)
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>' + XMP_MARKER + b"</rdf:Description></x:xmpmeta>"
MARKERS = (COMMENT, XMP_MARKER, TEXT_MARKER.encode(), b"CameraMaker")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path


def camera_exif() -> bytes:
    exif = Image.Exif()
    exif[MAKER] = "CameraMaker"
    exif[GPS_IFD] = {1: "N", 2: (IFDRational(48, 1), IFDRational(51, 1), IFDRational(0, 1))}
    return exif.tobytes()


def picture() -> Image.Image:
    image = Image.new("RGB", SIZE, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, SIZE[0] // 2, SIZE[1]))
    return image


def jpeg_from_a_camera() -> bytes:
    output = io.BytesIO()
    picture().save(output, format="JPEG", comment=COMMENT, xmp=XMP, exif=camera_exif(), icc_profile=SRGB)
    return output.getvalue()


def png_from_an_editor() -> bytes:
    chunks = PngInfo()
    chunks.add_text("Comment", TEXT_MARKER)
    chunks.add_itxt("XML:com.adobe.xmp", XMP.decode())
    chunks.add_text("Author", TEXT_MARKER, zip=True)
    output = io.BytesIO()
    picture().save(output, format="PNG", pnginfo=chunks, exif=camera_exif(), icc_profile=SRGB, dpi=(300, 300))
    return output.getvalue()


def webp_from_a_phone() -> bytes:
    output = io.BytesIO()
    picture().save(output, format="WEBP", exif=camera_exif(), xmp=XMP, icc_profile=SRGB, lossless=True)
    return output.getvalue()


def gif_with_comment_and_xmp() -> bytes:
    output = io.BytesIO()
    frames = [picture().convert("P"), Image.new("RGB", SIZE, "green").convert("P")]
    frames[0].save(output, format="GIF", save_all=True, append_images=frames[1:], comment=COMMENT, duration=100)
    data = output.getvalue()
    # An XMP application extension (as image editors write it) before the first image.
    flags = data[10]
    start = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    blocks = b"".join(bytes([len(part)]) + part for part in (XMP[i : i + 255] for i in range(0, len(XMP), 255)))
    return data[:start] + b"\x21\xff\x0bXMP DataXMP" + blocks + b"\x00" + data[start:]


FILES = {
    "JPEG": ("photo.jpg", jpeg_from_a_camera, "image/jpeg"),
    "PNG": ("capture.png", png_from_an_editor, "image/png"),
    "WEBP": ("photo.webp", webp_from_a_phone, "image/webp"),
    "GIF": ("anim.gif", gif_with_comment_and_xmp, "image/gif"),
}


def post_with_image(client, member, name: str, content: bytes, content_type: str, capture) -> Idea:
    client.force_login(member)
    typed = {"title": "Un abri vélo couvert à la gare", "body": "Voir la photo.", "tags": "", "category": ""}
    with capture(execute=True):  # the thumbnail task runs at commit
        response = client.post(
            reverse("ideas:create"), {**typed, "images": [SimpleUploadedFile(name, content, content_type)]}
        )
    assert response.status_code == 302
    return Idea.objects.get()


def assert_nothing_but_pixels(data: bytes) -> None:
    for marker in MARKERS:
        assert marker not in data
    assert b"Exif" not in data
    assert b"http://ns.adobe.com/xap" not in data and b"xmpmeta" not in data


@pytest.mark.parametrize("image_format", FILES)
def test_a_stored_picture_keeps_its_pixels_and_profile_and_nothing_else(
    client, member_a, django_capture_on_commit_callbacks, image_format
):
    name, make, content_type = FILES[image_format]
    original = make()
    assert any(marker in original for marker in MARKERS)  # the upload carries what must go

    idea = post_with_image(client, member_a, name, original, content_type, django_capture_on_commit_callbacks)

    [stored] = idea.images.all()
    data = Path(stored.image.path).read_bytes()
    assert_nothing_but_pixels(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == image_format
        assert image.size == SIZE
        assert not image.getexif()
        assert not {"comment", "xmp", "exif", "dpi", "Comment", "Author", "XML:com.adobe.xmp"} & set(image.info)
        if image_format != "GIF":  # GIF has no colour profile
            assert image.info.get("icc_profile") == SRGB
        left, right = image.convert("RGB").crop((0, 0, 20, 20)), image.convert("RGB").crop((60, 40, 80, 60))
        assert ImageStat.Stat(left).mean[2] > 150 > ImageStat.Stat(right).mean[2]  # the same picture

    thumbnail = Path(stored.thumbnail.path).read_bytes()
    assert_nothing_but_pixels(thumbnail)
    with Image.open(io.BytesIO(thumbnail)) as image:
        assert image.format == "WEBP"
        assert not image.getexif()
        assert "xmp" not in image.info


def test_an_animated_gif_keeps_its_frames_and_timing_without_its_comment(
    client, member_a, django_capture_on_commit_callbacks
):
    idea = post_with_image(
        client, member_a, "anim.gif", gif_with_comment_and_xmp(), "image/gif", django_capture_on_commit_callbacks
    )
    [stored] = idea.images.all()
    with Image.open(stored.image.path) as image:
        assert image.n_frames == 2
        assert image.info.get("duration") == 100
        assert "comment" not in image.info
