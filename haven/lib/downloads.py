"""Serving stored files (attachments) to the people allowed to see them."""

from django.http import FileResponse


def private_file(field_file: object, content_type: str) -> FileResponse:
    """A file that must never run in the browser, nor sit in a shared cache."""
    response = FileResponse(
        field_file.open("rb"),  # type: ignore[attr-defined]
        content_type=content_type,
        as_attachment=content_type == "application/pdf",
        filename=field_file.name.rsplit("/", 1)[-1],  # type: ignore[attr-defined]
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, no-store"
    return response
