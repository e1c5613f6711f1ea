"""Ideas, votes and comments arrive with the ideas issue (#3)."""
