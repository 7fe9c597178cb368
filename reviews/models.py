"""Role submissions of a cycle (sales forecast, production capacity, procurement risk, finance)."""
