"""Attachments: the type is read from the content, and every file loses its metadata.

Photos carry GPS positions and camera serial numbers in their EXIF data, PDFs and office
documents their author, creator, dates and a thumbnail of the first page: any of it can name a
reporter. Images are decoded and written again without any metadata; PDFs lose their document
information, XMP and thumbnails; DOCX, XLSX and ODT files have their property parts rewritten
empty and their thumbnails removed; voice messages (Ogg Opus, as Telegram and most phones
record them) lose their comment header (``lib/ogg``). Anything else is refused, naming what is
accepted.
``clean_upload`` is the one entry point for every upload path (web form, API, staff case files,
prevention evidence, chat bots).
"""

import hashlib
import io
import re
import secrets
import zipfile
from dataclasses import dataclass

import pikepdf
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from haven.lib import ogg
from haven.lib.errors import InvalidInput

# Pillow refuses images larger than this many pixels (decompression bombs).
Image.MAX_IMAGE_PIXELS = 40_000_000

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ZIP = b"PK\x03\x04"
SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (ogg.CAPTURE, "audio/ogg"),
]
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "png",  # re-encoded as a still PNG
    "image/webp": "webp",
    "application/pdf": "pdf",
    DOCX: "docx",
    XLSX: "xlsx",
    ODT: "odt",
    "audio/ogg": "ogg",
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


def accepted_text() -> str:
    """What may be attached, said to whoever sends something else."""
    return _(
        "Only photos, screenshots (JPEG, PNG, WebP, GIF), PDF files, documents "
        "(DOCX, XLSX, ODT) and voice messages (Ogg Opus)."
    )


def _refused() -> InvalidInput:
    return InvalidInput(accepted_text())


def _unreadable() -> InvalidInput:
    return InvalidInput(_("This file could not be read. Try another one."))


def _strip_pdf(data: bytes) -> bytes:
    """The PDF without its document information, XMP metadata and page thumbnails."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            if "/Metadata" in pdf.Root:
                del pdf.Root["/Metadata"]
            for page in pdf.pages:
                for key in ("/Thumb", "/Metadata", "/PieceInfo"):
                    if key in page.obj:
                        del page.obj[key]
            out = io.BytesIO()
            # A fresh /ID: the original one can tie the file to the sender's other copies.
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError) as exc:
        raise _unreadable() from exc
    return out.getvalue()


EMPTY_PARTS = {
    # Office Open XML (docx, xlsx): author, last editor, company, dates, custom fields.
    "docProps/core.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties"/>'
    ),
    "docProps/app.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"/>'
    ),
    "docProps/custom.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties"/>'
    ),
    # OpenDocument (odt): the same in one part.
    "meta.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'office:version="1.2"><office:meta/></office:document-meta>'
    ),
}
# Parts dropped whole: thumbnails of the first page.
THUMBNAIL = re.compile(r"^(docProps/thumbnail\.[a-z]+|Thumbnails/.*)$", re.IGNORECASE)
# References to dropped parts, in the package's relationships and the ODF manifest.
THUMBNAIL_REFERENCE = re.compile(
    r"<(?:Relationship|manifest:file-entry)\b[^>]*(?:docProps/thumbnail|Thumbnails/)[^>]*/>",
    re.IGNORECASE,
)
# Who wrote each comment and each tracked change, blanked in the parts that hold them (the
# comments' and changes' text stays: it may be the evidence). Attribute names are matched by
# part, since the same names mean other things elsewhere (a table's displayName is its name).
ATTRIBUTE, ELEMENT = r'\1=""', r"\1"
NAMES_BY_PART = [
    # Word: comments, insertions, deletions and format changes; people.xml lists the authors.
    (
        re.compile(r"^word/.*\.xml$"),
        re.compile(r'\b((?:w|w15):(?:author|initials|userId|providerId))="[^"]*"'),
        ATTRIBUTE,
    ),
    # Excel: legacy comments' <author> list and threaded comments' people.
    (
        re.compile(r"^xl/comments[^/]*\.xml$|^xl/comments/.*\.xml$"),
        re.compile(r"(<author>)[^<]*(?=</author>)"),
        ELEMENT,
    ),
    (
        re.compile(r"^xl/persons/.*\.xml$"),
        re.compile(r'\b(displayName|userId|providerId)="[^"]*"'),
        ATTRIBUTE,
    ),
    # OpenDocument: annotations and tracked changes carry their author's name and initials.
    (
        re.compile(r"^(content|styles)\.xml$"),
        re.compile(r"(<(dc:creator|meta:creator-initials)>)[^<]*(?=</\2>)"),
        ELEMENT,
    ),
]


def _names_blanked(name: str, content: bytes) -> bytes:
    for part, names, blank in NAMES_BY_PART:
        if part.match(name):
            content = names.sub(blank, content.decode("utf-8")).encode("utf-8")
    return content


# Zip bombs: an office document is refused above this size unpacked.
MAX_UNPACKED = 100_000_000


def _strip_voice(data: bytes) -> bytes:
    try:
        return ogg.strip_opus_tags(data)
    except ogg.NotOpus as exc:  # Vorbis, FLAC, video in an Ogg file: not a voice message
        raise _refused() from exc
    except ogg.OggError as exc:
        raise _unreadable() from exc


def _office_kind(archive: zipfile.ZipFile) -> str | None:
    names = set(archive.namelist())
    if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
        return ODT
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
    return None


def _strip_office(data: bytes) -> tuple[bytes, str]:
    """The document with its property parts rewritten empty, its thumbnails dropped and the
    authors of its comments and tracked changes blanked; every other part copied as it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            kind = _office_kind(archive)
            if kind is None:
                raise _refused()
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise _unreadable()
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as clean:
                for info in archive.infolist():
                    name = info.filename
                    if THUMBNAIL.match(name):
                        continue
                    if name in EMPTY_PARTS:
                        content = EMPTY_PARTS[name].encode()
                    else:
                        content = archive.read(info)
                        if name.endswith(".rels") or name == "META-INF/manifest.xml":
                            text = content.decode("utf-8")
                            content = THUMBNAIL_REFERENCE.sub("", text).encode("utf-8")
                        content = _names_blanked(name, content)
                    # ODF wants its mimetype first and stored; a fixed date hides when and
                    # where (time zone) the file was last saved.
                    method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
                    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    entry.compress_type = method
                    clean.writestr(entry, content)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, UnicodeDecodeError, KeyError) as exc:
        raise _unreadable() from exc
    return out.getvalue(), kind


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
    if content_type is None and data.startswith(ZIP):
        data, content_type = _strip_office(data)
    elif content_type is None:
        raise _refused()
    elif content_type.startswith("image/"):
        data, content_type = _strip_image(data, content_type)
    elif content_type == "application/pdf":
        data = _strip_pdf(data)
    elif content_type == "audio/ogg":
        data = _strip_voice(data)
    name = f"{secrets.token_hex(16)}.{EXTENSIONS[content_type]}"
    return CleanFile(
        content=ContentFile(data, name=name),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
