"""Portal: a self-hostable console for a platform's customers and developers."""
