// Filled in by the ledger work.
