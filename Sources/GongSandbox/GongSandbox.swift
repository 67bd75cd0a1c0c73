// Filled in by the sandbox work.
