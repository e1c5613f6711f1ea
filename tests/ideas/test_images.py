"""Images of ideas (PRODUCT.md §8), through the real post view and the helpers of config/images.py.

JPEG, PNG, WebP and GIF only, judged by Pillow on the content and not the name; at most
5 MB; a bounded pixel count; EXIF removed before the file is stored; thumbnails made by a
task. A bad file gets a clear form error, and nothing else of the post is lost.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from config.images import MAX_BYTES, MAX_IMAGES, image_validate, image_without_metadata, thumbnail_of
from ideas.models import Idea, IdeaImage
from ideas.tasks import make_thumbnails

TYPED = {
    "title": "Un abri vélo couvert à la gare",
    "body": "Les vélos rouillent sous la pluie.\n\nVoir la photo du parking actuel.",
    "tags": "vélo, gare",
    "category": "",
}
MAKER, GPS_IFD, ORIENTATION = 0x010F, 0x8825, 0x0112


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Where ideas' pictures are stored: PRIVATE_MEDIA_ROOT (served through ideas.media)."""
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    return tmp_path


# --- Making files ------------------------------------------------------------------------


def camera_exif(orientation: int | None = None) -> Image.Exif:
    """What a phone writes: its maker and where the photo was taken."""
    exif = Image.Exif()
    exif[MAKER] = "CameraMaker"
    exif[GPS_IFD] = {1: "N", 2: (IFDRational(48, 1), IFDRational(51, 1), IFDRational(0, 1))}
    if orientation:
        exif[ORIENTATION] = orientation
    return exif


def image_bytes(image_format: str, size=(64, 48), *, mode: str = "RGB", color="red", **options) -> bytes:
    output = io.BytesIO()
    Image.new(mode, size, color).save(output, format=image_format, **options)
    return output.getvalue()


def jpeg_with_exif(size=(64, 48), orientation: int | None = None) -> bytes:
    return image_bytes("JPEG", size, exif=camera_exif(orientation).tobytes())


def animated_gif(frames: int = 3) -> bytes:
    images = [Image.new("RGB", (32, 32), color) for color in ["red", "green", "blue", "white"][:frames]]
    output = io.BytesIO()
    images[0].save(output, format="GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return output.getvalue()


def noise_png(side: int = 1400) -> bytes:
    """A real PNG of random pixels: it does not compress, so 1400 x 1400 weighs about 5.9 MB."""
    output = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(output, format="PNG")
    return output.getvalue()


def pixel_bomb(width: int, height: int) -> bytes:
    """A tiny PNG that declares a huge picture (one bit per pixel, all zero: it compresses to nothing)."""
    return image_bytes("PNG", (width, height), mode="1", color=0)


def truncated_in_header() -> bytes:
    data = jpeg_with_exif()
    return data[: len(data) // 2]


def truncated_in_pixels() -> bytes:
    """A JPEG whose upload stopped half-way through the picture: headers intact, pixels missing."""
    output = io.BytesIO()
    Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3)).save(output, format="JPEG")
    data = output.getvalue()
    return data[: len(data) // 2]


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_idea(client, *files: SimpleUploadedFile):
    return client.post(reverse("ideas:create"), {**TYPED, "images": list(files)})


def shows(response, text: str) -> bool:
    return escape(text) in response.content.decode()


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


# --- A good photo ------------------------------------------------------------------------


def test_a_photo_is_stored_without_its_exif_and_gets_a_small_thumbnail(
    client, member_a, media_root, django_capture_on_commit_callbacks
):
    original = jpeg_with_exif()
    with Image.open(io.BytesIO(original)) as image:  # the upload does carry what must go
        assert image.getexif()[MAKER] == "CameraMaker"
        assert image.getexif().get_ifd(GPS_IFD)[2] == (48.0, 51.0, 0.0)
    assert b"Exif" in original

    client.force_login(member_a)
    with django_capture_on_commit_callbacks(execute=True):  # the thumbnail task runs at commit
        response = post_idea(client, upload("photo.jpg", original))

    idea = Idea.objects.get()
    assert response.status_code == 302
    assert response["Location"] == idea.get_absolute_url()
    [stored] = idea.images.all()
    path = Path(stored.image.path)
    assert path.is_relative_to(media_root)
    data = path.read_bytes()
    assert b"Exif" not in data
    assert b"CameraMaker" not in data
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert image.size == (64, 48)
    assert (stored.width, stored.height) == (64, 48)

    assert stored.thumbnail, "the media task made no thumbnail"
    with Image.open(stored.thumbnail.path) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert thumbnail.width <= 480
        assert not thumbnail.getexif()
    assert shows(client.get(idea.get_absolute_url()), stored.thumbnail.url)


def test_a_large_photo_gets_a_thumbnail_480_pixels_wide(
    client, member_a, media_root, django_capture_on_commit_callbacks
):
    client.force_login(member_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_idea(client, upload("grande.jpg", jpeg_with_exif(size=(1600, 1200))))
    assert response.status_code == 302
    stored = IdeaImage.objects.get()
    assert (stored.width, stored.height) == (1600, 1200)  # the full image keeps its size
    with Image.open(stored.thumbnail.path) as thumbnail:
        assert thumbnail.size == (480, 360)


def test_a_photo_taken_sideways_is_stored_upright_once_its_exif_is_gone(client, member_a):
    client.force_login(member_a)
    response = post_idea(client, upload("debout.jpg", jpeg_with_exif(size=(64, 48), orientation=6)))
    assert response.status_code == 302
    stored = IdeaImage.objects.get()
    with Image.open(stored.image.path) as image:
        assert image.size == (48, 64)  # turned as the camera meant, since the tag saying so is dropped
        assert not image.getexif()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "image_format"),
    [
        pytest.param("plan.png", image_bytes("PNG", exif=camera_exif().tobytes()), "image/png", "PNG", id="png"),
        pytest.param("plan.webp", image_bytes("WEBP", exif=camera_exif().tobytes()), "image/webp", "WEBP", id="webp"),
        pytest.param("plan.gif", image_bytes("GIF"), "image/gif", "GIF", id="gif"),
        pytest.param("photo.png", jpeg_with_exif(), "image/png", "JPEG", id="jpeg-named-png"),
    ],
)
def test_png_webp_and_gif_are_accepted_and_stored_without_metadata(
    client, member_a, name, content, content_type, image_format
):
    client.force_login(member_a)
    response = post_idea(client, upload(name, content, content_type))
    assert response.status_code == 302
    stored = IdeaImage.objects.get(idea=Idea.objects.get())
    data = Path(stored.image.path).read_bytes()
    assert b"CameraMaker" not in data
    with Image.open(stored.image.path) as image:
        assert image.format == image_format  # judged on the content, whatever the name says
        assert not image.getexif()


def test_an_animated_gif_keeps_its_frames(client, member_a):
    with Image.open(io.BytesIO(animated_gif(frames=3))) as original:
        assert original.n_frames == 3
    client.force_login(member_a)
    response = post_idea(client, upload("anime.gif", animated_gif(frames=3), "image/gif"))
    assert response.status_code == 302
    with Image.open(IdeaImage.objects.get().image.path) as image:
        assert image.format == "GIF"
        assert image.n_frames == 3


def test_four_images_are_accepted_in_order(client, member_a, django_capture_on_commit_callbacks):
    client.force_login(member_a)
    files = [upload(f"vue-{number}.png", image_bytes("PNG", color=(number * 60, 0, 0))) for number in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_idea(client, *files)
    assert response.status_code == 302
    images = list(Idea.objects.get().images.all())
    assert [image.position for image in images] == [0, 1, 2, 3]
    assert all(image.thumbnail for image in images)


# --- Refused files -----------------------------------------------------------------------

REFUSED_FILES = [  # (id, file name, content maker, content type claimed by the browser)
    ("bmp", "plan.bmp", lambda: image_bytes("BMP"), "image/bmp"),
    ("tiff", "scan.tiff", lambda: image_bytes("TIFF"), "image/tiff"),
    ("text-named-jpg", "notes.jpg", lambda: b"Ceci n'est pas une image.\n" * 40, "image/jpeg"),
    ("empty-file", "vide.jpg", lambda: b"", "image/jpeg"),
    ("jpeg-truncated-in-header", "coupée.jpg", truncated_in_header, "image/jpeg"),
    ("jpeg-truncated-in-pixels", "interrompue.jpg", truncated_in_pixels, "image/jpeg"),
    ("over-5-mb", "vacances d'été.png", noise_png, "image/png"),
    ("bomb-20000x20000", "bombe.png", lambda: pixel_bomb(20_000, 20_000), "image/png"),
    ("bomb-10000x10000", "bombe.png", lambda: pixel_bomb(10_000, 10_000), "image/png"),
    ("over-30-megapixels", "bombe.png", lambda: pixel_bomb(8_000, 5_000), "image/png"),
]


REFUSALS = [pytest.param(*case, id=key) for key, *case in REFUSED_FILES]


@pytest.mark.parametrize(("name", "make", "content_type"), REFUSALS)
def test_a_bad_file_is_refused_with_400_naming_it_and_the_post_is_kept(
    client, member_a, media_root, name, make, content_type
):
    content = make()
    if make is noise_png:
        assert len(content) > MAX_BYTES
    client.force_login(member_a)
    response = post_idea(client, upload(name, content, content_type))

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["images"]
    [message] = form.errors["images"]
    assert name in message
    assert shows(response, message)
    for typed in (TYPED["title"], TYPED["body"], TYPED["tags"]):
        assert shows(response, typed)
    assert not Idea.objects.exists()
    assert not IdeaImage.objects.exists()
    assert stored_files(media_root) == []


def test_one_bad_file_among_good_ones_refuses_the_post_and_names_only_the_bad_one(client, member_a, media_root):
    client.force_login(member_a)
    response = post_idea(
        client,
        upload("bonne.png", image_bytes("PNG"), "image/png"),
        upload("mauvaise.jpg", b"pas une image", "image/jpeg"),
    )
    assert response.status_code == 400
    [message] = response.context["form"].errors["images"]
    assert "mauvaise.jpg" in message
    assert "bonne.png" not in message
    assert shows(response, TYPED["title"])
    assert not Idea.objects.exists()
    assert stored_files(media_root) == []


def test_five_images_at_once_are_refused(client, member_a, media_root):
    client.force_login(member_a)
    files = [upload(f"vue-{number}.png", image_bytes("PNG"), "image/png") for number in range(MAX_IMAGES + 1)]
    response = post_idea(client, *files)

    assert response.status_code == 400
    [message] = response.context["form"].errors["images"]
    with translation.override("fr"):
        assert message == translation.gettext("At most %(count)d images per idea.") % {"count": 4}
    assert shows(response, message)
    for typed in (TYPED["title"], TYPED["body"], TYPED["tags"]):
        assert shows(response, typed)
    assert not Idea.objects.exists()
    assert stored_files(media_root) == []


# --- The helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make", "content_type"), REFUSALS)
def test_image_validate_refuses_a_bad_file_naming_it(name, make, content_type):
    with pytest.raises(ValidationError) as refusal:
        image_validate(upload(name, make(), content_type))
    [message] = refusal.value.messages
    assert name in message


@pytest.mark.parametrize(
    ("content", "image_format"),
    [
        (jpeg_with_exif(), "JPEG"),
        (image_bytes("PNG"), "PNG"),
        (image_bytes("WEBP"), "WEBP"),
        (animated_gif(), "GIF"),
        (pixel_bomb(6_000, 5_000), "PNG"),  # exactly the 30-megapixel limit
    ],
    ids=["jpeg", "png", "webp", "gif", "at-the-pixel-limit"],
)
def test_image_validate_names_the_format_of_a_good_file_and_rewinds_it(content, image_format):
    file = upload("fichier.bin", content, "application/octet-stream")
    assert image_validate(file) == image_format
    assert file.tell() == 0
    assert file.read() == content


def test_image_without_metadata_drops_exif_and_keeps_the_pixels():
    file = upload("photo.jpg", jpeg_with_exif(size=(200, 100)))
    clean = image_without_metadata(file, image_validate(file))
    data = clean.read()
    assert clean.name == "image.jpg"
    assert b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert image.size == (200, 100)
        assert not image.getexif()
        red, green, blue = image.getpixel((100, 50))
        assert red > 200 and green < 50 and blue < 50  # still red


@pytest.mark.parametrize(
    ("content", "expected_size"),
    [
        (image_bytes("PNG", (2000, 1000)), (480, 240)),
        (image_bytes("JPEG", (300, 900)), (160, 480)),
        (image_bytes("PNG", (100, 50), mode="P", color=3), (100, 50)),  # small ones are not enlarged
        (animated_gif(), (32, 32)),
    ],
    ids=["wide", "tall", "small-palette", "animated-gif"],
)
def test_thumbnail_of_fits_in_480_pixels(content, expected_size):
    thumbnail = thumbnail_of(io.BytesIO(content))
    with Image.open(io.BytesIO(thumbnail.read())) as image:
        assert image.format == "WEBP"
        assert image.size == expected_size


def test_the_thumbnail_task_makes_missing_thumbnails_then_nothing_more(client, member_a, media_root):
    client.force_login(member_a)
    # Without running the commit callbacks, the images are stored but have no thumbnail yet.
    response = post_idea(client, upload("a.jpg", jpeg_with_exif()), upload("b.png", image_bytes("PNG"), "image/png"))
    assert response.status_code == 302
    ids = list(IdeaImage.objects.values_list("pk", flat=True))
    assert len(ids) == 2
    assert not IdeaImage.objects.exclude(thumbnail="").exists()

    assert make_thumbnails(ids) == 2
    thumbnails = dict(IdeaImage.objects.values_list("pk", "thumbnail"))
    assert all(thumbnails.values())
    files = sorted(stored_files(media_root))

    assert make_thumbnails(ids) == 0
    assert make_thumbnails.delay(ids).get() == 0
    assert dict(IdeaImage.objects.values_list("pk", "thumbnail")) == thumbnails
    assert sorted(stored_files(media_root)) == files  # no second copy written


def test_the_thumbnail_task_run_by_the_post_is_not_repeated(client, member_a, django_capture_on_commit_callbacks):
    client.force_login(member_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_idea(client, upload("photo.jpg", jpeg_with_exif()))
    assert len(callbacks) >= 1
    image = IdeaImage.objects.get()
    assert image.thumbnail
    assert make_thumbnails([image.pk]) == 0
    assert make_thumbnails([]) == 0
