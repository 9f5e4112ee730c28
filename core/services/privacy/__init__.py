"""Data subject rights: a patient's export (Art. 15 GDPR), erasure on request, and the purge after
the retention periods (docs/retention.md)."""
