"""Voice messages (Ogg Opus, as Telegram and phones record them) lose their comment header on
upload and keep every audio packet; other Ogg contents and broken files are refused."""

import io
import os
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus

from haven.intake.files import clean_upload
from haven.intake.models import ReportAttachment
from haven.intake.tests.helpers import opus_voice
from haven.lib import ogg
from haven.lib.errors import InvalidInput

AUTHOR = "Ana Popescu-Reporter"
ALLOWED = "and voice messages (Ogg Opus)"


def reference_crc(data: bytes) -> int:
    """Ogg's CRC bit by bit, as its specification describes it."""
    value = 0
    for byte in data:
        value ^= byte << 24
        for _ in range(8):
            value = ((value << 1) ^ 0x04C11DB7) if value & 0x80000000 else value << 1
            value &= 0xFFFFFFFF
    return value


@given(st.binary(max_size=300))
def test_the_page_checksum_is_oggs(data):
    assert ogg.crc(data) == reference_crc(data)


def audio_packets(data: bytes) -> list[bytes]:
    """The stream's packets after the two headers, read by mutagen."""
    handle, pages = io.BytesIO(data), []
    while handle.tell() < len(data):
        pages.append(OggPage(handle))
    return OggPage.to_packets(pages)[2:]


@pytest.mark.parametrize(
    ("comments", "tail"),
    [
        ({"ARTIST": AUTHOR, "ENCODER": "Recorder on Ana's phone"}, b""),
        # A long comment (a cover picture, say) spreads the header over several pages, and
        # binary data may follow the comments.
        ({"METADATA_BLOCK_PICTURE": "x" * 9000, "TITLE": AUTHOR}, b"\x01" + AUTHOR.encode()),
    ],
)
def test_a_voice_message_loses_its_comments_and_keeps_its_sound(comments, tail):
    original = opus_voice(comments, tail=tail)
    assert AUTHOR.encode() in original
    clean = clean_upload(SimpleUploadedFile("voice.ogg", original))
    data = clean.content.read()
    assert clean.content_type == "audio/ogg" and clean.content.name.endswith(".ogg")
    assert AUTHOR.encode() not in data and b"recorder 2.1" not in data
    again = OggOpus(io.BytesIO(data))
    assert list(again.tags) == [] and again.tags.vendor == "Haven"
    assert again.info.length == OggOpus(io.BytesIO(original)).info.length
    assert audio_packets(data) == audio_packets(original)
    assert len(audio_packets(data)) == 25


def flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1 :]


def two_streams() -> bytes:
    """A second logical stream multiplexed in: its serial number differs."""
    voice = opus_voice()
    page = OggPage(io.BytesIO(voice))
    page.serial, page.sequence = 7, 99
    return voice + page.write()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (opus_voice(head=b"\x01vorbis"), ALLOWED),  # Ogg, but Vorbis music, not Opus
        (opus_voice()[:-3], "could not be read"),  # cut short
        (flipped(opus_voice(), 200), "could not be read"),  # a damaged audio page
        (two_streams(), "could not be read"),
        (b"OggS\x00\x02" + bytes(40), "could not be read"),
        (b"OggS" + os.urandom(300), "could not be read"),
    ],
)
def test_what_is_not_a_clean_voice_message_is_refused(data, said):
    with pytest.raises(InvalidInput) as refused:
        clean_upload(SimpleUploadedFile("x.ogg", data))
    assert said in str(refused.value.message)


def test_pages_out_of_order_are_refused():
    voice = opus_voice()
    first = OggPage(io.BytesIO(voice))
    rest = voice[len(first.write()) :]
    second = OggPage(io.BytesIO(rest))
    swapped = second.write() + first.write() + rest[len(second.write()) :]
    with pytest.raises(ogg.OggError):
        ogg.strip_opus_tags(swapped)


def test_a_header_page_shared_with_audio_is_refused():
    """RFC 7845: audio begins on a fresh page; a comment page carrying audio is refused, not
    cut (its audio would be lost or the comments kept)."""
    voice = opus_voice()
    handle, pages = io.BytesIO(voice), []
    while handle.tell() < len(voice):
        pages.append(OggPage(handle))
    pages[1].packets.append(b"\xf8\xff\xfe")
    with pytest.raises(ogg.OggError):
        ogg.strip_opus_tags(b"".join(page.write() for page in pages))


def test_the_identification_header_is_kept_byte_for_byte():
    original = opus_voice({"ARTIST": AUTHOR})
    head = OggPage(io.BytesIO(original)).packets[0]
    clean = ogg.strip_opus_tags(original)
    assert OggPage(io.BytesIO(clean)).packets[0] == head
    assert struct.unpack_from("<H", head, 10)[0] == 312  # the pre-skip survives


@pytest.mark.django_db
def test_the_public_form_stores_the_cleaned_voice_message_encrypted(client, tree):
    from haven.intake.tests.test_public import form_data

    upload = SimpleUploadedFile("voice.ogg", opus_voice({"ARTIST": AUTHOR}))
    response = client.post(f"/r/{tree.school_a.code}/", {**form_data(), "files": [upload]})
    assert response.status_code == 200
    attachment = ReportAttachment.objects.get()
    assert attachment.content_type == "audio/ogg"
    with attachment.file.open("rb") as handle:
        data = handle.read()
    assert AUTHOR.encode() not in data and data.startswith(b"OggS")


@pytest.mark.django_db
def test_staff_can_listen_on_the_report_page_and_the_sound_is_fetched_only_when_played(
    client, tree
):
    from haven.intake import services
    from haven.intake.tests.helpers import clean
    from haven.intake.tests.test_triage import url

    voice = clean_upload(SimpleUploadedFile("voice.ogg", opus_voice({"ARTIST": AUTHOR})))
    report, _ = services.report_submit(
        school=tree.school_a, data=clean(files=[voice]), language="en"
    )
    attachment = report.attachments.get()
    client.force_login(tree.users["coordinator"])
    page = client.get(url("intake:report_detail", report.pk)).content.decode()
    source = url("intake:attachment_download", report.pk, attachment.pk)
    assert f'<audio controls preload="none" src="{source}">' in page
    played = client.get(source)
    sound = b"".join(played.streaming_content)
    assert played["Content-Type"] == "audio/ogg" and AUTHOR.encode() not in sound
