"""The container's health check: GET /healthz from inside, as the proxy in front would.

It sends the first ALLOWED_HOSTS name as Host (Django refuses others) and says the request
came over HTTPS, as the proxy does, so it works whatever SECURE_SSL_REDIRECT says.
Exit 0 when the database and the broker answer, 1 otherwise.
"""

import json
import os
import sys
import urllib.error
import urllib.request

# The test suite points it at its live server.
URL = os.environ.get("HEALTHZ_URL", "http://127.0.0.1:8000/healthz")


def host_header() -> str:
    first = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip()
    # ".example.com" allows example.com and its subdomains; "*" allows anything.
    return first.lstrip(".").replace("*", "") or "localhost"


def main() -> int:
    headers = {"Host": host_header()}
    proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
    if proxy_header:
        headers[proxy_header] = "https"
    request = urllib.request.Request(URL, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            body = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    print(json.dumps(body))
    return 0 if body.get("status") == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
