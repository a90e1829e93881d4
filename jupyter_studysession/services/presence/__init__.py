"""Presence (who is online, away, busy, in which session) and attendance from open tabs."""
