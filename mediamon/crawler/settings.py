"""Scrapy settings for mediamon's crawler (also used by `scrapy crawl` from the repo root).

The mediamon settings (MEDIAMON_*) are read by spiders and pipelines in `from_crawler`, so
they can be given with `-s NAME=value` or the environment.
"""

import os

BOT_NAME = "mediamon"
SPIDER_MODULES = ["mediamon.crawler.spiders"]
NEWSPIDER_MODULE = "mediamon.crawler.spiders"

# Say who we are and how to reach the project: sites can then allow or block us knowingly.
USER_AGENT = (
    "mediamon/0.1 (research crawler on the encryption and child-safety debate; "
    "+https://pypi.org/project/mediamon/)"
)
ROBOTSTXT_OBEY = True

# politeness: per host, with AutoThrottle adapting the delay to the server's latency
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # +-50% so requests do not beat like a metronome
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# safety: bounded responses, time and retries; redirect chains end
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 8
DNS_TIMEOUT = 20
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy's code-execution HTTP endpoint: mediamon never uses it

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "mediamon.crawler.middlewares.OffsiteMiddleware": 50,
    "mediamon.crawler.middlewares.PrivateAddressMiddleware": 90,
    "mediamon.crawler.middlewares.ConditionalRequestMiddleware": 560,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "mediamon.crawler.middlewares.CompressionMiddleware": 590,
}
SPIDER_MIDDLEWARES: dict[str, int] = {}
ITEM_PIPELINES = {
    "mediamon.crawler.pipelines.ExtractPipeline": 100,
    "mediamon.crawler.pipelines.TopicPipeline": 200,
    "mediamon.crawler.pipelines.StorePipeline": 900,
}
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# mediamon's own settings
MEDIAMON_DB = os.environ.get("MEDIAMON_DB", "corpus.duckdb")
MEDIAMON_SOURCES = os.environ.get("MEDIAMON_SOURCES", "")  # default: config/sources.toml
MEDIAMON_TOPIC = os.environ.get("MEDIAMON_TOPIC", "")  # default: config/topic.toml
MEDIAMON_MAX_PAGES = 0  # 0: no limit
MEDIAMON_BATCH_SIZE = 50
MEDIAMON_BATCH_SECONDS = 2.0
MEDIAMON_RUN_ID = ""
MEDIAMON_EXTRACT_WORKERS = os.environ.get("MEDIAMON_EXTRACT_WORKERS", "auto")
LOG_FORMATTER = "mediamon.crawler.logformatter.LogFormatter"
