"""Payments the product recognises itself (practice export, bank statement) before a person confirms them."""
