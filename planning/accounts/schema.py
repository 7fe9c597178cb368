"""The OpenAPI description of our token scheme (drf-spectacular knows knox's, not subclasses)."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class TokenScheme(KnoxTokenScheme):
    target_class = "planning.accounts.authentication.TokenAuthentication"
    name = "tokenAuth"
