"""The scheduler: crawl then tag, on an interval or a cron expression, unattended."""
