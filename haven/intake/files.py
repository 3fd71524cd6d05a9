"""Attachments: the type is read from the content, and images lose their metadata.

Photos carry GPS positions and camera serial numbers in their EXIF data, which can name a
reporter. Images are decoded and written again without any metadata; anything that is not a
known image or PDF is refused.
"""

import hashlib
import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from haven.lib.errors import InvalidInput

# Pillow refuses images larger than this many pixels (decompression bombs).
Image.MAX_IMAGE_PIXELS = 40_000_000

SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "png",  # re-encoded as a still PNG
    "image/webp": "webp",
    "application/pdf": "pdf",
}


@dataclass
class CleanFile:
    content: ContentFile[bytes]
    content_type: str
    size: int
    sha256: str


def sniff(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _strip_image(data: bytes, content_type: str) -> tuple[bytes, str]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            # Keep the picture the right way up, then drop EXIF, XMP, ICC comments and all.
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if content_type == "image/jpeg":
                upright.convert("RGB").save(out, "JPEG", quality=90)
            elif content_type == "image/webp":
                upright.save(out, "WEBP", quality=90)
            else:
                upright.save(out, "PNG")
                content_type = "image/png"
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput(_("This picture could not be read. Try another one.")) from exc
    return out.getvalue(), content_type


def clean_upload(upload: UploadedFile) -> CleanFile:
    """Check one uploaded file and return it ready to store, or raise a translated error."""
    limit = settings.HAVEN_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise InvalidInput(
            _("The file is too large. The limit is %(size)s MB.") % {"size": limit // 1_000_000}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(
            _("The file is too large. The limit is %(size)s MB.") % {"size": limit // 1_000_000}
        )
    if not data:
        raise InvalidInput(_("The file is empty."))
    content_type = sniff(data[:16])
    if content_type is None:
        raise InvalidInput(_("Only photos, screenshots (JPEG, PNG, WebP, GIF) and PDF files."))
    if content_type.startswith("image/"):
        data, content_type = _strip_image(data, content_type)
    name = f"{secrets.token_hex(16)}.{EXTENSIONS[content_type]}"
    return CleanFile(
        content=ContentFile(data, name=name),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
