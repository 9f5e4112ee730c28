"""Money coming in: bank statements read, kept once and matched to open invoices."""
