"""Why a request failed, as one short machine-readable reason for the run's stats."""

from twisted.internet import error as net
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure


def classify(failure: Failure) -> str:
    from scrapy.exceptions import IgnoreRequest
    from scrapy.spidermiddlewares.httperror import HttpError

    from mediamon.crawler.middlewares import PrivateAddressBlocked

    exc = failure.value
    text = str(exc)
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, PrivateAddressBlocked):
        return "private_address"
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in text:
            return "robots"
        if "offsite" in text.lower():
            return "offsite"
        if "redirect" in text.lower():
            return "redirect_loop"
        return "ignored"
    if isinstance(exc, CancelledError) or "maxsize" in text.lower() or "max size" in text.lower():
        return "too_large"
    if isinstance(exc, net.DNSLookupError):
        return "dns"
    if isinstance(exc, net.TimeoutError | net.TCPTimedOutError):
        return "timeout"
    if isinstance(exc, net.ConnectionRefusedError | net.ConnectError):
        return "connection"
    return type(exc).__name__.lower()
