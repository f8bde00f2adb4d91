"""Data portability and privacy: organisation bundles, forgetting a creator, retention."""
