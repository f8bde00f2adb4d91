"""Brand profiles: who a brand is and whom it wants to reach (used for matching later)."""
