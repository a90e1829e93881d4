"""Analytics exports over REST (instructors)."""
