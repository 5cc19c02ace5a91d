from rest_framework.authentication import TokenAuthentication, get_authorization_header


class BearerOrTokenAuthentication(TokenAuthentication):
    """Token auth for scripts: ``Authorization: Token <key>`` or ``Bearer <key>``."""

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        # DRF reads the header through request.headers, cached from META at first use, so
        # rewriting META does not reach it; accept the other keyword instead. DRF makes one
        # authenticator per request, so the attribute is not shared between requests.
        scheme = get_authorization_header(request).split()[:1]
        if scheme and scheme[0].lower() == b"bearer":
            self.keyword = "Bearer"
        return super().authenticate(request)
