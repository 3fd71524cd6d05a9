"""PDFs and office documents lose what names their author (document information, XMP,
property parts, thumbnails) on upload, on every path; other formats are refused by name."""

import io
import zipfile

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from haven.intake.files import DOCX, ODT, XLSX, clean_upload
from haven.intake.models import ReportAttachment
from haven.lib.errors import InvalidInput

AUTHOR = "Ana Popescu-Reporter"


def pdf_with_author() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = AUTHOR
    pdf.docinfo["/Creator"] = f"{AUTHOR}'s laptop"
    pdf.docinfo["/Producer"] = "Producer 1.0"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [AUTHOR]
    thumb = pikepdf.Stream(pdf, AUTHOR.encode())
    pdf.pages[0].obj["/Thumb"] = pdf.make_indirect(thumb)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


CORE = (
    '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties '
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{a}</dc:creator>'
    "<cp:lastModifiedBy>{a}</cp:lastModifiedBy></cp:coreProperties>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="x/officeDocument" Target="{main}"/>'
    '<Relationship Id="rId2" Type="x/thumbnail" Target="docProps/thumbnail.jpeg"/>'
    "</Relationships>"
)


def ooxml(main: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", RELS.format(main=main))
        z.writestr(main, "<document>the text stays</document>")
        z.writestr("docProps/core.xml", CORE.format(a=AUTHOR))
        z.writestr("docProps/app.xml", f"<Properties><Company>{AUTHOR} Ltd</Company></Properties>")
        z.writestr("docProps/custom.xml", f"<Properties><p>{AUTHOR}</p></Properties>")
        z.writestr("docProps/thumbnail.jpeg", AUTHOR.encode())
    return out.getvalue()


def odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", ODT, compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "content.xml", "<office:document-content>the text stays</office:document-content>"
        )
        z.writestr(
            "meta.xml",
            f"<office:document-meta><dc:creator>{AUTHOR}</dc:creator></office:document-meta>",
        )
        z.writestr("Thumbnails/thumbnail.png", AUTHOR.encode())
        z.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest><manifest:file-entry manifest:full-path="/"/>'
            '<manifest:file-entry manifest:full-path="Thumbnails/thumbnail.png"/>'
            "</manifest:manifest>",
        )
    return out.getvalue()


def every_byte(data: bytes) -> bytes:
    """The file and, for a zip, each part unpacked (a name may hide in compressed parts)."""
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return data + b"".join(z.read(name) for name in z.namelist())
    return data


def test_a_pdf_loses_its_author_creator_xmp_and_thumbnail():
    original = pdf_with_author()
    assert AUTHOR.encode() in original
    clean = clean_upload(SimpleUploadedFile("ana.pdf", original))
    data = clean.content.read()
    assert clean.content_type == "application/pdf"
    assert AUTHOR.encode() not in data and b"Producer 1.0" not in data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        assert "/Info" not in pdf.trailer and "/Metadata" not in pdf.Root
        assert "/Thumb" not in pdf.pages[0].obj


@pytest.mark.parametrize(("main", "kind"), [("word/document.xml", DOCX), ("xl/workbook.xml", XLSX)])
def test_office_open_xml_loses_its_properties_and_thumbnail(main, kind):
    clean = clean_upload(SimpleUploadedFile("ana.bin", ooxml(main)))
    data = clean.content.read()
    assert clean.content_type == kind
    assert AUTHOR.encode() not in every_byte(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.read(main) == b"<document>the text stays</document>"
        assert "docProps/thumbnail.jpeg" not in z.namelist()
        assert b"thumbnail" not in z.read("_rels/.rels")
        assert b"officeDocument" in z.read("_rels/.rels")


def test_an_odt_loses_its_meta_and_thumbnail_and_keeps_its_mimetype_first():
    clean = clean_upload(SimpleUploadedFile("ana.odt", odt()))
    data = clean.content.read()
    assert clean.content_type == ODT and clean.content.name.endswith(".odt")
    assert AUTHOR.encode() not in every_byte(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert not any(n.startswith("Thumbnails/") for n in z.namelist())
        assert b"Thumbnails" not in z.read("META-INF/manifest.xml")
        assert b"the text stays" in z.read("content.xml")


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("a.txt", "x")
    return out.getvalue()


ALLOWED = "(JPEG, PNG, WebP, GIF), PDF files, documents (DOCX, XLSX, ODT) and voice messages"


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"MZ\x90\x00 a program", ALLOWED),
        (plain_zip(), ALLOWED),  # an archive, not a document
        (b"PK\x03\x04 not really a zip", "could not be read"),
        (b"%PDF-1.4 nothing else", "could not be read"),
    ],
)
def test_what_haven_cannot_clean_is_refused_with_a_translated_message(data, said):
    with pytest.raises(InvalidInput) as refused:
        clean_upload(SimpleUploadedFile("x.bin", data))
    assert said in str(refused.value.message)


@pytest.mark.django_db
def test_the_public_form_stores_the_cleaned_document(client, tree):
    from haven.intake.tests.test_public import form_data

    upload = SimpleUploadedFile("ana.docx", ooxml("word/document.xml"))
    response = client.post(f"/r/{tree.school_a.code}/", {**form_data(), "files": [upload]})
    assert response.status_code == 200
    attachment = ReportAttachment.objects.get()
    assert attachment.content_type == DOCX
    with attachment.file.open("rb") as handle:
        assert AUTHOR.encode() not in every_byte(handle.read())


def test_a_real_spreadsheet_keeps_its_cells_and_loses_its_author():
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "the cell stays"
    book.properties.creator = AUTHOR
    book.properties.lastModifiedBy = AUTHOR
    out = io.BytesIO()
    book.save(out)
    clean = clean_upload(SimpleUploadedFile("ana.xlsx", out.getvalue()))
    data = clean.content.read()
    assert clean.content_type == XLSX
    assert AUTHOR.encode() not in every_byte(data)
    again = openpyxl.load_workbook(io.BytesIO(data))
    assert again.active["A1"].value == "the cell stays"
    # openpyxl fills in its own name where none is stored.
    assert again.properties.creator in (None, "openpyxl") and not again.properties.lastModifiedBy


def test_every_accepted_type_fits_the_stored_type_fields():
    """SQLite does not enforce a column's length; PostgreSQL refused a DOCX's 71 characters."""
    from haven.cases.models import CaseAttachment
    from haven.intake import files
    from haven.intake.models import ReportAttachment

    longest = max(len(kind) for kind in files.EXTENSIONS)
    for model in (ReportAttachment, CaseAttachment):
        assert longest <= model._meta.get_field("content_type").max_length


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_comments_and_tracked_changes_keep_their_text_and_lose_their_authors():
    """Word: a comment, an insertion and the people list; Excel (a real one, from openpyxl):
    a cell comment; OpenDocument: an annotation. The text of each stays."""
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", RELS.format(main="word/document.xml"))
        z.writestr(
            "word/document.xml",
            f'<w:document {W}><w:ins w:id="1" w:author="{AUTHOR}" w:date="2026-11-02T10:00:00Z">'
            "<w:r><w:t>the inserted text stays</w:t></w:r></w:ins></w:document>",
        )
        z.writestr(
            "word/comments.xml",
            f'<w:comments {W}><w:comment w:id="0" w:author="{AUTHOR}" w:initials="AP">'
            "<w:p><w:r><w:t>the comment stays</w:t></w:r></w:p></w:comment></w:comments>",
        )
        z.writestr(
            "word/people.xml",
            f'<w15:people><w15:person w15:author="{AUTHOR}"><w15:presenceInfo '
            f'w15:providerId="AD" w15:userId="{AUTHOR}@school.ro"/></w15:person></w15:people>',
        )
    clean = clean_upload(SimpleUploadedFile("ana.docx", docx.getvalue())).content.read()
    assert AUTHOR.encode() not in every_byte(clean) and b'w:initials="AP"' not in clean
    with zipfile.ZipFile(io.BytesIO(clean)) as z:
        assert b"the comment stays" in z.read("word/comments.xml")
        assert b"the inserted text stays" in z.read("word/document.xml")

    import openpyxl
    from openpyxl.comments import Comment

    book = openpyxl.Workbook()
    book.active["A1"] = "the cell stays"
    book.active["A1"].comment = Comment("the comment stays", AUTHOR)
    out = io.BytesIO()
    book.save(out)
    assert AUTHOR.encode() in every_byte(out.getvalue())
    clean = clean_upload(SimpleUploadedFile("ana.xlsx", out.getvalue())).content.read()
    assert AUTHOR.encode() not in every_byte(clean)
    again = openpyxl.load_workbook(io.BytesIO(clean))
    assert again.active["A1"].comment.text.endswith("the comment stays")

    odf = io.BytesIO()
    with zipfile.ZipFile(odf, "w") as z:
        z.writestr("mimetype", ODT, compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "content.xml",
            "<office:document-content><office:annotation>"
            f"<dc:creator>{AUTHOR}</dc:creator><meta:creator-initials>AP</meta:creator-initials>"
            "<text:p>the note stays</text:p></office:annotation></office:document-content>",
        )
        z.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    clean = clean_upload(SimpleUploadedFile("ana.odt", odf.getvalue())).content.read()
    assert AUTHOR.encode() not in every_byte(clean)
    with zipfile.ZipFile(io.BytesIO(clean)) as z:
        content = z.read("content.xml")
    assert b"the note stays" in content and b">AP<" not in content
