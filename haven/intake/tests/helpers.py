import io

from PIL import Image

from haven.intake import services
from haven.intake.models import Channel
from haven.intake.rules import CleanReport
from haven.intake.urgency import is_urgent

VALID = {
    "description": "Two boys from 7B push me in the corridor every break.",
    "when_text": "every break",
    "place": "corridor",
    "harms": ["physical", "verbal"],
    "affected": "me",
    "reporter_role": "pupil",
    "contact": "",
}


def clean(channel=Channel.WEB, **overrides) -> CleanReport:
    """A valid report's content as the rules give it (tests that store many skip the rules)."""
    values = {**VALID, "channel": channel, **overrides}
    values.setdefault("urgent", is_urgent(values["harms"], values["description"]))
    return CleanReport(**values)


def submit(school, **overrides):
    return services.report_submit(school=school, data=clean(**overrides), language="en")


def jpeg_with_gps() -> bytes:
    """A small JPEG whose EXIF says where it was taken and with which camera."""
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretPhone 12"  # Model
    exif[0x8825] = {1: "N", 2: (46.0, 46.0, 12.0), 3: "E", 4: (23.0, 35.0, 30.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def opus_voice(
    comments: dict[str, str] | None = None, *, tail: bytes = b"", head: bytes = b"OpusHead"
) -> bytes:
    """A voice message as a phone records it: Ogg Opus with a comment header, written page by
    page by mutagen (an implementation independent of Haven's), 25 silent 20 ms frames.
    ``tail`` is binary data after the comments (RFC 7845 allows it); a long comment makes the
    comment header span several pages."""
    import struct

    from mutagen.ogg import OggPage

    serial = 0x5EED
    ident = head + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
    vendor = b"libopus 1.4, recorder 2.1"
    texts = [f"{key}={value}".encode() for key, value in (comments or {}).items()]
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(texts))
    tags += b"".join(struct.pack("<I", len(text)) + text for text in texts) + tail
    first = OggPage()
    first.packets, first.serial, first.position, first.first = [ident], serial, 0, True
    pages = [first]
    for page in OggPage.from_packets([tags], sequence=1, default_size=4096):
        page.serial, page.position = serial, 0
        pages.append(page)
    for frame in range(25):
        page = OggPage()
        page.packets = [bytes([0xF8, 0xFF, 0xFE, frame])]
        page.serial, page.sequence, page.position = serial, len(pages), 312 + 960 * (frame + 1)
        page.last = frame == 24
        pages.append(page)
    return b"".join(page.write() for page in pages)
