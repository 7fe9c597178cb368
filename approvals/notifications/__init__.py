"""Notifications: in the app (the bell, the list) and by e-mail, about a user's cycles."""
