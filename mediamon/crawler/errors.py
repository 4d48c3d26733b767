"""Why a request failed, as one short machine-readable reason for the run's stats."""

from twisted.internet import error as net
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

# reasons that are the crawler keeping its rules, not something going wrong: counted as dropped
DROPS = ("robots", "private_address", "offsite")


def is_drop(reason: str) -> bool:
    return reason in DROPS


def _too_large(text: str) -> bool:
    # Scrapy's messages: "larger than download max size", "exceeded DOWNLOAD_MAXSIZE"
    text = text.lower()
    return "maxsize" in text or "max size" in text


def classify(failure: Failure) -> str:
    from scrapy import exceptions as scrapy_errors
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
        if _too_large(text):  # a compressed body over the size cap once decompressed
            return "too_large"
        return "ignored"
    # Scrapy 2.13 raises Twisted's errors, later versions wrap them in their own (by name:
    # they do not exist in every version we support)
    wrapped = {
        "DownloadCancelledError": "too_large",  # the size cap cancels the download
        "DownloadTimeoutError": "timeout",
        "DownloadConnectionRefusedError": "connection",
        "CannotResolveHostError": "dns",
        "DownloadFailedError": "connection",
        "ResponseDataLossError": "data_loss",
    }
    for name, reason in wrapped.items():
        cls = getattr(scrapy_errors, name, None)
        if cls is not None and isinstance(exc, cls):
            return reason
    if isinstance(exc, CancelledError) or _too_large(text):
        return "too_large"
    if isinstance(exc, net.DNSLookupError):
        return "dns"
    if isinstance(exc, net.TimeoutError | net.TCPTimedOutError):
        return "timeout"
    if isinstance(exc, net.ConnectionRefusedError | net.ConnectError):
        return "connection"
    return type(exc).__name__.lower()
