"""Money coming in that the product recognises itself (practice export, bank statements): read,
kept once, matched to open invoices, and suggested until a person confirms."""
