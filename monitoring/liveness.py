"""
Provides the liveness shortcut: `GET /health` answered without Django's request cycle.

A liveness probe asks several times a second, on every instance, and its answer never changes; yet
through Django it paid for the whole stack, and the process served probes at less than half the
rate the Flask service it replaces does (docs/performance.md). The answer given here is still the
real view's: the first `GET /health` for each scheme and host goes through Django (host validation,
every middleware, the view), and its 200 (status, headers and body) is kept; later probes for the
same scheme and host get exactly that, each with an `X-Request-ID` of its own, as the middleware
would give it. Any other method, path, scheme or host goes through Django as before. What the
shortcut skips: the per-view request metrics (`django_http_*`) for these probes; gunicorn's access
log still has every one.
"""

from collections.abc import Callable, Iterable

from bankapi.middleware import request_id_for

HEALTH_PATH = "/health"
# Hosts are validated by Django before an answer is kept; with a wildcard in ALLOWED_HOSTS a client
# could name endless hosts, so only this many (scheme, host) answers are kept.
MAX_KEPT_ANSWERS = 16

StartResponse = Callable[..., object]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]


class LivenessShortcut:
    """WSGI middleware around the Django application (bankapi.wsgi)."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application
        self.answers: dict[tuple[str, str], tuple[str, list[tuple[str, str]], bytes]] = {}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != HEALTH_PATH or environ.get("REQUEST_METHOD") != "GET":
            return self.application(environ, start_response)
        key = (environ.get("wsgi.url_scheme", ""), environ.get("HTTP_HOST", ""))
        answer = self.answers.get(key)
        if answer is None:
            return self._answer_through_django(key, environ, start_response)
        status, headers, body = answer
        start_response(status, [*headers, ("X-Request-ID", request_id_for(environ.get("HTTP_X_REQUEST_ID", "")))])
        return [body]

    def _answer_through_django(
        self, key: tuple[str, str], environ: dict, start_response: StartResponse
    ) -> Iterable[bytes]:
        answered: list[tuple[str, list[tuple[str, str]]]] = []

        def keep_start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
            answered.append((status, headers))
            return start_response(status, headers, exc_info)

        response = self.application(environ, keep_start_response)
        try:
            body = b"".join(response)
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()
        status, headers = answered[-1]
        if status.startswith("200 ") and len(self.answers) < MAX_KEPT_ANSWERS:
            self.answers[key] = (status, [(name, value) for name, value in headers if name != "X-Request-ID"], body)
        return [body]
