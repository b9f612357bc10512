"""Network clients: the link checker and the GitHub metadata client (imported only by their commands)."""
