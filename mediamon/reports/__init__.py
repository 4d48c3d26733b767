"""Timeline exports, charts and the HTML report: everything read through corpus/."""
