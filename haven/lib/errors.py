"""Domain errors raised by services; views and the API turn them into translated messages."""

from django.utils.translation import gettext_lazy as _


class HavenError(Exception):
    """A refusal the user should read. ``message`` is translatable, never technical."""

    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class AccessDenied(HavenError):
    status = 403
    default_message = _("You do not have access to this.")


class NotFound(HavenError):
    status = 404
    default_message = _("Not found, or you do not have access to it.")


class InvalidInput(HavenError):
    status = 422
    default_message = _("Some of the information given is not valid.")
