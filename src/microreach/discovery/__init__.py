"""Discovery: search, brand fit, lookalikes and a budget planner over every scored account."""
