"""Scheduling of daily posts and reminders: the APScheduler tick, the Discord sender, pacing."""
