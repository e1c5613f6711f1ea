"""Uploaded images: judged by Pillow on their content, stored without metadata.

PRODUCT.md §8: JPEG, PNG, WebP or GIF only, at most 5 MB, a bounded pixel count (so a
small file that decompresses to gigabytes is refused), EXIF removed before the file is
stored (phones write GPS positions there). Thumbnails are made later by a task.
"""

from __future__ import annotations

import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 30_000_000  # e.g. 6000 x 5000
MAX_IMAGES = 4
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# Many phones write JPEGs with extra frames (MPO); they are stored as plain JPEG.
STORED_AS = {"MPO": "JPEG"}
THUMBNAIL_SIZE = (480, 480)


def image_validate(upload: UploadedFile) -> str:
    """Check an upload; return its format, or raise ValidationError with a clear message."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is too big (%(size).1f MB); the limit is 5 MB.")
            % {"name": upload.name, "size": upload.size / 1024 / 1024}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        _("“%(name)s” has too many pixels (%(width)d × %(height)d).")
                        % {"name": upload.name, "width": width, "height": height}
                    )
                image.verify()
            # verify() checks the structure but decodes no pixels: a file cut short in
            # its image data would pass and fail later, when it is re-encoded.
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("“%(name)s” has too many pixels.") % {"name": upload.name}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("“%(name)s” is not an image we can read.") % {"name": upload.name}) from None
    finally:
        upload.seek(0)
    image_format = STORED_AS.get(image_format, image_format)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("“%(name)s” is a %(format)s image; use JPEG, PNG, WebP or GIF.")
            % {"name": upload.name, "format": image_format}
        )
    return image_format


# Not metadata but part of the pixels: which palette entry is see-through, how long each
# frame of an animation shows, and how it is cleared.
PIXEL_INFO = ("transparency", "duration", "disposal", "loop", "background")


def _pixels_only(image: Image.Image, keep: tuple[str, ...] = ()) -> Image.Image:
    """`image` (a new image that may be changed) without what the file said about its
    pixels: no EXIF, XMP, comment, text chunk, resolution or camera note in its `info`."""
    image.info = {key: image.info[key] for key in keep if key in image.info}
    return image


def image_without_metadata(upload: UploadedFile, image_format: str) -> ContentFile:
    """Re-encode the image from its pixels alone (turned upright), with its colour profile
    and nothing else: no EXIF (GPS positions), XMP, comment or text chunk (PRODUCT.md §8).

    Pillow's writers copy some of what they read (a JPEG's comment, a GIF's first-frame
    extensions) unless told otherwise: the image saved carries an empty `info`, and the
    colour profile is passed by name.
    """
    upload.seek(0)
    output = io.BytesIO()
    with Image.open(upload) as image:
        icc_profile = image.info.get("icc_profile")
        profile = {"icc_profile": icc_profile} if icc_profile else {}
        if image_format == "GIF":
            # Animated GIFs keep their frames and timing; GIF carries no EXIF or profile.
            frames = [_pixels_only(frame.copy(), PIXEL_INFO) for frame in ImageSequence.Iterator(image)]
            frames[0].save(output, format="GIF", save_all=True, append_images=frames[1:])
        else:
            upright = _pixels_only(ImageOps.exif_transpose(image), ("transparency",))  # a new image
            if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
                if upright.mode == "CMYK":
                    profile = {}  # a CMYK profile would misdescribe the RGB pixels
                upright = upright.convert("RGB")
            options = {"quality": 88, "optimize": True} if image_format in ("JPEG", "WEBP") else {"optimize": True}
            upright.save(output, format=image_format, **options, **profile)
    return ContentFile(output.getvalue(), name=f"image.{ALLOWED_FORMATS[image_format]}")


def thumbnail_of(path_or_file, image_format: str | None = None) -> ContentFile:
    """A WebP of at most 480 pixels a side, with the original's colour profile only."""
    with Image.open(path_or_file) as image:
        image.seek(0)
        icc_profile = image.info.get("icc_profile")
        thumb = image.convert("RGBA") if image.mode in ("P", "LA") else image.copy()
        thumb.thumbnail(THUMBNAIL_SIZE)
        if thumb.mode not in ("RGB", "RGBA", "L"):
            thumb = thumb.convert("RGB")
        output = io.BytesIO()
        profile = {"icc_profile": icc_profile} if icc_profile and thumb.mode in ("RGB", "RGBA") else {}
        thumb.save(output, format="WEBP", quality=80, **profile)
    return ContentFile(output.getvalue(), name="thumb.webp")
