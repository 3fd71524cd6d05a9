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
