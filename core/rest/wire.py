"""The wire format: DRF's JSON parser, renderer and token authentication, hardened against hostile input.

Kept apart from the rest of ``core.rest``: DRF imports these classes while ``rest_framework.views`` is
still loading, so this module must not import it.
"""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, parsers, renderers

from core.i18n import chosen_language_activate
from core.reference import reference_version_for_request, reference_version_of_token


class JSONRenderer(renderers.JSONRenderer):
    """JSON, in UTF-8; falls back to ASCII escapes when the data holds a lone surrogate.

    Error messages may quote the client's input back, and JSON input can carry ``"\\ud800"``,
    which UTF-8 cannot encode.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            self.ensure_ascii = True
            return super().render(data, accepted_media_type, renderer_context)


class JSONParser(parsers.JSONParser):
    """DRF's parser, but a body nested too deep for Python's parser is a 400 like any bad JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(_("JSON parse error - nested too deeply.")) from exc


class TokenAuthentication(authentication.TokenAuthentication):
    """Tokens are hex: anything else (a NUL byte, say) is refused before reaching the database. The token's person
    is answered in the language they chose (as the pages are: core.i18n)."""

    def authenticate(self, request):
        authenticated = super().authenticate(request)
        if authenticated is not None:
            chosen_language_activate(request._request, authenticated[0])
        return authenticated

    def authenticate_credentials(self, key: str):
        if not (key.isascii() and key.isalnum()):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        # As DRF's, with the user's store in the same query (most requests ask for it: their scope), and the
        # reference data's version, which the request reads its kept policies and categories under.
        tokens = self.get_model().objects.select_related("user__store")
        try:
            token = tokens.annotate(reference_version=reference_version_of_token()).get(key=key)
        except self.get_model().DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        reference_version_for_request(token.reference_version)
        return token.user, token
