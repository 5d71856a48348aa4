"""`regbot demo`: the offline console, its synthetic register and its text rendering."""
