"""Document processing shared by crawl, ingest and re-extraction: decoding, extraction,
publication dates, structured data and topic relevance. Imports no Scrapy."""
