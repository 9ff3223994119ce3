"""The admin's pages: the working calendar (issue 8)."""
